import type { Core } from '@strapi/strapi';
import { getService } from '../utils/get-service';
import { reconcileRequestSchema } from '../contracts/http';
import type { RequestContext } from './context';
import { parseInput } from './validate';

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /** An editor asked for it: everything is checked now, and files that failed get another chance. */
  async run(ctx: RequestContext) {
    const { model } = parseInput(reconcileRequestSchema, ctx.request.body ?? {});
    ctx.body = { data: await getService(strapi, 'reconcile').reconcile({ graceMs: 0, retryFailed: true, model }) };
  },
});
