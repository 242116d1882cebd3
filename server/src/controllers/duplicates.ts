import type { Core } from '@strapi/strapi';
import { dismissDuplicatesSchema, duplicatesQuerySchema, resolveDuplicatesSchema } from '../contracts/http';
import { getService } from '../utils/get-service';
import type { RequestContext } from './context';
import { parseInput } from './validate';

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async groups(ctx: RequestContext) {
    ctx.body = await getService(strapi, 'duplicates').groups(parseInput(duplicatesQuerySchema, ctx.query));
  },

  async recent(ctx: RequestContext) {
    ctx.body = { data: await getService(strapi, 'duplicates').recent() };
  },

  async resolve(ctx: RequestContext) {
    ctx.body = { data: await getService(strapi, 'duplicates').resolve(parseInput(resolveDuplicatesSchema, ctx.request.body ?? {})) };
  },

  async dismiss(ctx: RequestContext) {
    ctx.body = { data: await getService(strapi, 'duplicates').dismiss(parseInput(dismissDuplicatesSchema, ctx.request.body ?? {})) };
  },
});
