import { PLUGIN_ID, type AdminAction } from './permissions';

/**
 * Every HTTP route of the plugin, written once: the route tables, the admin client, the maintenance CLI and the
 * tests take paths from here. `action` is the admin RBAC action the admin surface requires.
 */
export const ROUTES = {
  similarToFile: { method: 'GET', path: '/files/:id/similar', action: 'read' },
  similarToImage: { method: 'POST', path: '/search', action: 'read' },
  duplicates: { method: 'GET', path: '/duplicates', action: 'read' },
  recentDuplicates: { method: 'GET', path: '/duplicates/recent', action: 'read' },
  duplicatePair: { method: 'GET', path: '/duplicates/pair', action: 'read' },
  resolveDuplicates: { method: 'POST', path: '/duplicates/resolve', action: 'resolve' },
  dismissDuplicates: { method: 'POST', path: '/duplicates/dismiss', action: 'resolve' },
  status: { method: 'GET', path: '/status', action: 'read' },
  reconcile: { method: 'POST', path: '/reconcile', action: 'manage' },
  rebuild: { method: 'POST', path: '/rebuild', action: 'manage' },
  scanDuplicates: { method: 'POST', path: '/duplicates/scan', action: 'manage' },
} as const satisfies Record<string, { method: 'GET' | 'POST'; path: string; action: AdminAction }>;

export type RouteName = keyof typeof ROUTES;

/** What sites may call, under Strapi's REST prefix, with an API token or a users-permissions role. */
export const CONTENT_API_ROUTES = ['similarToFile', 'similarToImage'] as const satisfies readonly RouteName[];
export type ContentApiRouteName = (typeof CONTENT_API_ROUTES)[number];

const withParams = (path: string, params: { id?: number | string }) => path.replace(':id', () => String(params.id ?? ':id'));

/** Where the admin surface serves a route, from Strapi's origin (the admin panel's fetch client adds nothing). */
export const adminPath = (route: RouteName, params: { id?: number | string } = {}) => `/${PLUGIN_ID}${withParams(ROUTES[route].path, params)}`;

/** Where the content API serves a route, under Strapi's REST prefix (`api.rest.prefix`, `/api` by default). */
export const contentApiPath = (route: ContentApiRouteName, params: { id?: number | string } = {}, restPrefix = '/api') =>
  `${restPrefix}${adminPath(route, params)}`;

/**
 * The content-API controller. Its name is public API: sites grant `plugin::image-search.search.<route>` (see
 * `contentApiPermission`) to API tokens and users-permissions roles, so it never changes.
 */
export const CONTENT_API_CONTROLLER = 'search';

/** The permission an API token or a role needs for a content-API route. */
export const contentApiPermission = (route: ContentApiRouteName) => `plugin::${PLUGIN_ID}.${CONTENT_API_CONTROLLER}.${route}`;
