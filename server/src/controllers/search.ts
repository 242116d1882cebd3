import type { Core } from '@strapi/strapi';
import { fileIdParamSchema, similarQuerySchema } from '../contracts/http';
import { getService } from '../utils/get-service';
import { parseInput } from './validate';

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async similarToFile(ctx: { params: unknown; query: unknown; body: unknown }) {
    const { id } = parseInput(fileIdParamSchema, ctx.params);
    const query = parseInput(similarQuerySchema, ctx.query);
    ctx.body = await getService(strapi, 'search').similarToFile(id, query);
  },
});
