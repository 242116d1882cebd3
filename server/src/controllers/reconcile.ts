import type { Core } from '@strapi/strapi';
import { getService } from '../utils/get-service';
import type { RequestContext } from './context';

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /** An editor asked for it: everything is checked now, and files that failed get another chance. */
  async run(ctx: RequestContext) {
    ctx.body = { data: await getService(strapi, 'reconcile').reconcile({ graceMs: 0, retryFailed: true }) };
  },
});
