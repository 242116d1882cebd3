import { permissionAction } from '../contracts/permissions';
import { ROUTES, type RouteName } from '../contracts/routes';
import { UNAVAILABLE_AS_503 } from '../middlewares';

/** The admin controller action behind each route. */
const HANDLERS: Record<RouteName, string> = {
  similarToFile: 'admin-search.similarToFile',
  similarToImage: 'admin-search.similarToImage',
  duplicates: 'admin-duplicates.groups',
  recentDuplicates: 'admin-duplicates.recent',
  duplicatePair: 'admin-duplicates.pair',
  resolveDuplicates: 'admin-duplicates.resolve',
  dismissDuplicates: 'admin-duplicates.dismiss',
  status: 'admin-status.get',
  reconcile: 'admin-maintenance.reconcile',
  rebuild: 'admin-maintenance.rebuild',
  scanDuplicates: 'admin-maintenance.scanDuplicates',
};

/** Served at /image-search/..., for the admin panel and the maintenance CLI: an admin session holding the route's RBAC action. */
export default {
  type: 'admin',
  routes: (Object.keys(ROUTES) as RouteName[]).map((name) => ({
    method: ROUTES[name].method,
    path: ROUTES[name].path,
    handler: HANDLERS[name],
    config: {
      policies: ['admin::isAuthenticatedAdmin', { name: 'admin::hasPermissions', config: { actions: [permissionAction(ROUTES[name].action)] } }],
      middlewares: [UNAVAILABLE_AS_503],
    },
  })),
};
