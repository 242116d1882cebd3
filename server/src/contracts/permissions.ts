/** RBAC actions of the admin panel. The server registers them and guards routes with them; the admin gates pages. */
export const PLUGIN_ID = 'image-search';

export const ADMIN_ACTIONS = {
  /** Search similar media, see duplicates and the index status. */
  read: 'read',
  /** Resolve duplicate groups (re-point entries, delete copies) and mark "not duplicates". */
  resolve: 'duplicates.resolve',
  /** Reindex the library. */
  manage: 'index.manage',
} as const;

export type AdminAction = keyof typeof ADMIN_ACTIONS;

export const permissionAction = (action: AdminAction) => `plugin::${PLUGIN_ID}.${ADMIN_ACTIONS[action]}`;

export const PERMISSIONS = {
  read: [{ action: permissionAction('read'), subject: null }],
  resolve: [{ action: permissionAction('resolve'), subject: null }],
  manage: [{ action: permissionAction('manage'), subject: null }],
} as const;

/** How the actions appear in Settings > Roles. */
export const ACTION_LABELS: Record<AdminAction, string> = {
  read: 'Search similar media',
  resolve: 'Resolve duplicates',
  manage: 'Manage the index',
};
