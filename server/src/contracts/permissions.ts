/** RBAC actions of the admin panel. The server registers them; the admin gates pages with them. */
export const PLUGIN_ID = 'image-search';

export const ADMIN_ACTIONS = {
  read: 'read',
} as const;

export const PERMISSIONS = {
  read: [{ action: `plugin::${PLUGIN_ID}.${ADMIN_ACTIONS.read}`, subject: null }],
} as const;

export const permissionAction = (uid: keyof typeof ADMIN_ACTIONS) => `plugin::${PLUGIN_ID}.${ADMIN_ACTIONS[uid]}`;
