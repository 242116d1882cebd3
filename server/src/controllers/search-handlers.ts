import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { Audience } from '../access/visibility';
import { fileIdParamSchema, QUERY_IMAGE_FIELD, similarQuerySchema } from '../contracts/http';
import { UnindexableError } from '../errors/pipeline-errors';
import { takeQueryImage } from '../middlewares/query-image-body';
import { getService } from '../utils/get-service';
import type { RequestContext } from './context';
import { parseInput } from './validate';

/** "Find similar media", the same on both surfaces but for who asks: each surface's controller names its audience. */
export const searchHandlers = (strapi: Core.Strapi, audienceOf: (ctx: RequestContext) => Audience) => ({
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
    try {
      ctx.body = await getService(strapi, 'search').similarToImage(image, query, audienceOf(ctx));
    } catch (error) {
      // An image the decoder cannot read is the request's fault.
      if (error instanceof UnindexableError) throw new errors.ValidationError(`${QUERY_IMAGE_FIELD}: ${error.message}`, { param: QUERY_IMAGE_FIELD });
      throw error;
    }
  },
});
