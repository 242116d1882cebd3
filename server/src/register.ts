import type { Core } from '@strapi/strapi';
import { assertModelPresent } from './embedding/extractor';
import { queryImageBody } from './middlewares/query-image-body';
import { adminPath, contentApiPath } from './contracts/routes';
import { runtimeOf } from './runtime/runtime';

/** Fails Strapi's startup early, with a message naming the problem, when the config or the model is unusable. */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const { config, model } = runtimeOf(strapi);
  if (config.worker.inProcess) assertModelPresent(model);
  // Ahead of every app middleware, so the query image is read before Strapi's body parser would spool it to disk.
  const apiPrefix = strapi.config.get('api.rest.prefix', '/api') as string;
  const paths = [adminPath('similarToImage'), contentApiPath('similarToImage', {}, apiPrefix)];
  strapi.server.use(queryImageBody({ paths, maxBytes: config.search.maxUploadBytes }) as never);
};
