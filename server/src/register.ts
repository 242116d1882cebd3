import type { Core } from '@strapi/strapi';
import { PLUGIN_ID } from './contracts/permissions';
import { assertModelPresent } from './embedding/extractor';
import { resolveModel } from './embedding/models';
import { queryImageBody } from './middlewares/query-image-body';
import { QUERY_IMAGE_ROUTE } from './routes';
import { getService } from './utils/get-service';

/** Fails Strapi's startup early, with a message naming the problem, when the config or the model is unusable. */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const config = getService(strapi, 'pipeline').config();
  if (config.worker.inProcess) assertModelPresent(resolveModel(config.model));
  // Ahead of every app middleware, so the query image is read before Strapi's body parser would spool it to disk.
  const apiPrefix = strapi.config.get('api.rest.prefix', '/api') as string;
  const paths = [`/${PLUGIN_ID}${QUERY_IMAGE_ROUTE}`, `${apiPrefix}/${PLUGIN_ID}${QUERY_IMAGE_ROUTE}`];
  strapi.server.use(queryImageBody({ paths, maxBytes: config.search.maxUploadBytes }) as never);
};
