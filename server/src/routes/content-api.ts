import { CONTENT_API_CONTROLLER, CONTENT_API_ROUTES, ROUTES } from '../contracts/routes';
import { UNAVAILABLE_AS_503 } from '../middlewares';

/**
 * Served at /api/image-search/..., for sites: Strapi's content-API auth grants each handler to API tokens and
 * users-permissions roles, and the controller shows only what the caller may see.
 */
export default {
  type: 'content-api',
  routes: CONTENT_API_ROUTES.map((name) => ({
    method: ROUTES[name].method,
    path: ROUTES[name].path,
    handler: `${CONTENT_API_CONTROLLER}.${name}`,
    config: { policies: [], middlewares: [UNAVAILABLE_AS_503] },
  })),
};
