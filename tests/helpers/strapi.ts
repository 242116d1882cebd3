import path from 'node:path';
import type { Core } from '@strapi/strapi';
import { PACKAGE_ROOT } from '../../server/src/utils/paths';
import { ensureDatabase } from './services';

/** Boots the playground Strapi app in-process against the services started by scripts/test.sh. */

export const PLAYGROUND_DIR = path.join(PACKAGE_ROOT, 'playground');

/** The environment a playground Strapi runs with in the tests: fixed secrets, quiet logs, then the app's own. */
export const strapiEnv = (env: Record<string, string>): Record<string, string> => ({
  NODE_ENV: 'test',
  STRAPI_TELEMETRY_DISABLED: 'true',
  STRAPI_LOG_LEVEL: 'warn',
  APP_KEYS: 'test-key-a,test-key-b',
  ADMIN_JWT_SECRET: 'test-admin-jwt-secret',
  API_TOKEN_SALT: 'test-api-token-salt',
  TRANSFER_TOKEN_SALT: 'test-transfer-token-salt',
  ENCRYPTION_KEY: 'test-encryption-key',
  JWT_SECRET: 'test-jwt-secret',
  ...env,
});

/**
 * With `serveAdminPanel`, the admin built into playground/build by scripts/test.sh is served too. The server listens
 * on a free port, as `strapi start` does: the plugin's background work starts then (supertest would otherwise open
 * and close a server per request, which also breaks concurrent ones).
 */
export async function bootStrapi(env: Record<string, string>, { serveAdminPanel = false } = {}): Promise<Core.Strapi> {
  await ensureDatabase(env);
  Object.assign(process.env, strapiEnv(env));
  // Required lazily so the env above is in place when Strapi reads its config.
  const { createStrapi } = await import('@strapi/strapi');
  const strapi = await createStrapi({ appDir: PLAYGROUND_DIR, distDir: PLAYGROUND_DIR, autoReload: false, serveAdminPanel }).load();
  await strapi.server.mount();
  // Strapi creates the "API Uploads" folder on the first API upload; concurrent first uploads race to create it
  // (on PostgreSQL and MySQL one of them fails with a 500). Apps meet this once; tests upload in parallel at once.
  await strapi.plugin('upload').service('api-upload-folder').getAPIUploadFolder();
  await new Promise<void>((resolve) => strapi.server.httpServer.listen(0, '127.0.0.1', resolve));
  return strapi;
}

/** A permission of an admin role: an action, or an action on a subject (a content type), optionally conditioned. */
export type RolePermission = string | { action: string; subject: string | null; conditions?: string[] };

/** An admin role granted exactly these permissions (e.g. `plugin::image-search.read`); returns its code. */
export async function createRole(strapi: Core.Strapi, name: string, permissions: RolePermission[]): Promise<string> {
  const role = await strapi.service('admin::role').create({ name, description: name });
  await strapi.service('admin::role').assignPermissions(
    role.id,
    permissions.map((permission) =>
      typeof permission === 'string'
        ? { action: permission, subject: null, properties: {}, conditions: [] }
        : { action: permission.action, subject: permission.subject, properties: {}, conditions: permission.conditions ?? [] }
    )
  );
  return role.code as string;
}

export const ADMIN_PASSWORD = 'Test-password-1';

/** Admin users by role, logged in (with ADMIN_PASSWORD): returns their JWTs. */
export async function createAdmin(strapi: Core.Strapi, roleCode: string, email: string): Promise<string> {
  await strapi.service('admin::role').createRolesIfNoneExist();
  const role = await strapi.db.query('admin::role').findOne({ where: { code: roleCode } });
  const password = ADMIN_PASSWORD;
  await strapi.service('admin::user').create({ email, firstname: roleCode, lastname: 'Tester', password, isActive: true, roles: [role.id] });
  const { default: request } = await import('supertest');
  const res = await request(strapi.server.httpServer).post('/admin/login').send({ email, password });
  if (res.status !== 200) throw new Error(`admin login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data.token as string;
}

export async function createApiToken(
  strapi: Core.Strapi,
  name: string,
  type: 'full-access' | 'read-only' | 'custom',
  permissions: string[] = []
): Promise<string> {
  const token = await strapi
    .service('admin::api-token')
    .create({ name, type, lifespan: null, description: '', ...(type === 'custom' ? { permissions } : {}) });
  return token.accessKey as string;
}
