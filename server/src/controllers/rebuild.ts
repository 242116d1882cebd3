import type { Core } from '@strapi/strapi';
import { getService } from '../utils/get-service';
import type { RequestContext } from './context';

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /** Starts or resumes a rebuild; progress shows in GET /status until it completes by itself. */
  async start(ctx: RequestContext) {
    ctx.body = { data: await getService(strapi, 'rebuild').start() };
  },
});
