import type { Core } from '@strapi/strapi';
import { dismissDuplicatesSchema, duplicatePairQuerySchema, duplicatesQuerySchema, resolveDuplicatesSchema } from '../../contracts/http';
import { getService } from '../../utils/get-service';
import { adminAudience, type RequestContext } from '../context';
import { parseInput } from '../validate';

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async groups(ctx: RequestContext) {
    ctx.body = await getService(strapi, 'duplicates').groups(parseInput(duplicatesQuerySchema, ctx.query), adminAudience(ctx));
  },

  async recent(ctx: RequestContext) {
    ctx.body = { data: await getService(strapi, 'duplicates').recent(adminAudience(ctx)) };
  },

  async pair(ctx: RequestContext) {
    ctx.body = { data: await getService(strapi, 'duplicates').pair(parseInput(duplicatePairQuerySchema, ctx.query), adminAudience(ctx)) };
  },

  async resolve(ctx: RequestContext) {
    const body = parseInput(resolveDuplicatesSchema, ctx.request.body ?? {});
    ctx.body = { data: await getService(strapi, 'duplicates').resolve(body, { ability: ctx.state.userAbility }) };
  },

  async dismiss(ctx: RequestContext) {
    ctx.body = { data: await getService(strapi, 'duplicates').dismiss(parseInput(dismissDuplicatesSchema, ctx.request.body ?? {})) };
  },
});
