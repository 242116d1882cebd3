import type { Core } from '@strapi/strapi';
import { getService } from '../../utils/get-service';
import type { RequestContext } from '../context';

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async get(ctx: RequestContext) {
    ctx.body = { data: await getService(strapi, 'status').get() };
  },
});
