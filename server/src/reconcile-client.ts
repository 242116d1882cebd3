import type { ReconcileReport } from './contracts/http';
import { PLUGIN_ID } from './contracts/permissions';

/**
 * `strapi-image-search reconcile`: asks a running Strapi to reconcile its files with the index, as the status
 * page's button does, through the admin API, so the caller's RBAC applies (`index.manage`). The credentials come
 * from the environment, never the command line, where other users of the machine could read them.
 */
export async function runReconcile(baseUrl: string, credentials: { email?: string; password?: string }): Promise<ReconcileReport> {
  if (!credentials.email || !credentials.password) throw new Error('reconcile needs STRAPI_ADMIN_EMAIL and STRAPI_ADMIN_PASSWORD in the environment');
  const login = await call(new URL('/admin/login', baseUrl), { email: credentials.email, password: credentials.password });
  const token = (login as { data: { token: string } }).data.token;
  const report = await call(new URL(`/${PLUGIN_ID}/reconcile`, baseUrl), {}, token);
  return (report as { data: ReconcileReport }).data;
}

async function call(url: URL, body: unknown, token?: string): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const payload = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
  if (!response.ok) throw new Error(`${url.pathname} answered ${response.status}: ${payload?.error?.message ?? response.statusText}`);
  return payload;
}
