import type { Core } from '@strapi/strapi';
import { getService } from '../utils/get-service';

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async get(ctx: { body: unknown }) {
    ctx.body = { data: await getService(strapi, 'status').get() };
  },
});
