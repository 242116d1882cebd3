import { permissionAction, type AdminAction } from '../contracts/permissions';

const middlewares = ['plugin::image-search.unavailable-as-503'];

/** Search by an uploaded image; its multipart body is read by the query-image-body middleware (see register). */
export const QUERY_IMAGE_ROUTE = '/search';

const allowed = (action: AdminAction) => ({
  policies: ['admin::isAuthenticatedAdmin', { name: 'admin::hasPermissions', config: { actions: [permissionAction(action)] } }],
  middlewares,
});

export default {
  // Served at /image-search/..., for the admin panel (admin JWT + RBAC action).
  admin: {
    type: 'admin',
    routes: [
      { method: 'GET', path: '/files/:id/similar', handler: 'search.similarToFile', config: allowed('read') },
      { method: 'POST', path: QUERY_IMAGE_ROUTE, handler: 'search.similarToImage', config: allowed('read') },
      { method: 'GET', path: '/duplicates', handler: 'duplicates.groups', config: allowed('read') },
      { method: 'GET', path: '/duplicates/recent', handler: 'duplicates.recent', config: allowed('read') },
      { method: 'POST', path: '/duplicates/resolve', handler: 'duplicates.resolve', config: allowed('resolve') },
      { method: 'POST', path: '/duplicates/dismiss', handler: 'duplicates.dismiss', config: allowed('resolve') },
      { method: 'GET', path: '/status', handler: 'status.get', config: allowed('read') },
      { method: 'POST', path: '/reconcile', handler: 'reconcile.run', config: allowed('manage') },
      { method: 'POST', path: '/rebuild', handler: 'rebuild.start', config: allowed('manage') },
    ],
  },
  // Served at /api/image-search/..., for sites (API token or users-permissions role granted the handler).
  'content-api': {
    type: 'content-api',
    routes: [
      { method: 'GET', path: '/files/:id/similar', handler: 'search.similarToFile', config: { policies: [], middlewares } },
      { method: 'POST', path: QUERY_IMAGE_ROUTE, handler: 'search.similarToImage', config: { policies: [], middlewares } },
    ],
  },
};
