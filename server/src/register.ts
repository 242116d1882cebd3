import type { Core } from '@strapi/strapi';
import { assertModelPresent } from './features/extractor';
import { resolveModel } from './features/models';
import { getService } from './utils/get-service';

/** Fails Strapi's startup early, with a message naming the problem, when the config or the model is unusable. */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const config = getService(strapi, 'pipeline').config();
  if (config.worker.inProcess) assertModelPresent(resolveModel(config.model));
};
