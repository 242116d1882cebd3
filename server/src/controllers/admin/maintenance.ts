import type { Core } from '@strapi/strapi';
import { reconcileRequestSchema } from '../../contracts/http';
import { getService } from '../../utils/get-service';
import type { RequestContext } from '../context';
import { parseInput } from '../validate';

/** Index maintenance, for the status page and the maintenance CLI. */
export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /** An editor asked for it: everything is checked now, and files that failed get another chance. */
  async reconcile(ctx: RequestContext) {
    const { model } = parseInput(reconcileRequestSchema, ctx.request.body ?? {});
    ctx.body = { data: await getService(strapi, 'reconcile').reconcile({ graceMs: 0, retryFailed: true, model }) };
  },

  /** Starts or resumes a rebuild; progress shows in GET /status until it completes by itself. */
  async rebuild(ctx: RequestContext) {
    ctx.body = { data: await getService(strapi, 'rebuild').start() };
  },

  /** Starts a new scan of the duplicate graph; progress shows in GET /status (duplicateScan) until it completes. */
  async scanDuplicates(ctx: RequestContext) {
    ctx.body = { data: await getService(strapi, 'duplicateScan').start() };
  },
});
