import type { Core } from '@strapi/strapi';
import { fileIdParamSchema, similarQuerySchema } from '../contracts/http';
import { getService } from '../utils/get-service';
import { audienceOf, type RequestContext } from './context';
import { takeQueryImage } from '../middlewares/query-image-body';
import { parseInput } from './validate';

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async similarToFile(ctx: RequestContext) {
    const { id } = parseInput(fileIdParamSchema, ctx.params);
    const query = parseInput(similarQuerySchema, ctx.query);
    ctx.body = await getService(strapi, 'search').similarToFile(id, query, audienceOf(ctx));
  },

  /** Multipart (read by the query-image-body middleware): the image in the field `image`; parameters in the query string or as other form fields. */
  async similarToImage(ctx: RequestContext) {
    const fields = ctx.request.body && typeof ctx.request.body === 'object' ? ctx.request.body : {};
    const query = parseInput(similarQuerySchema, { ...ctx.query, ...fields });
    const image = takeQueryImage(ctx.state);
    ctx.body = await getService(strapi, 'search').similarToImage(image, query, audienceOf(ctx));
  },
});
