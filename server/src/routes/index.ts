import { permissionAction } from '../contracts/permissions';

const canRead = ['admin::isAuthenticatedAdmin', { name: 'admin::hasPermissions', config: { actions: [permissionAction('read')] } }];

export default {
  // Served at /image-search/..., for the admin panel (admin JWT + RBAC action).
  admin: {
    type: 'admin',
    routes: [
      { method: 'GET', path: '/files/:id/similar', handler: 'search.similarToFile', config: { policies: canRead } },
      { method: 'GET', path: '/status', handler: 'status.get', config: { policies: canRead } },
    ],
  },
  // Served at /api/image-search/..., for sites (API token or users-permissions role granted search.similarToFile).
  'content-api': {
    type: 'content-api',
    routes: [{ method: 'GET', path: '/files/:id/similar', handler: 'search.similarToFile', config: { policies: [] } }],
  },
};
