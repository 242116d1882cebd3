import type { DuplicateScanStatus, IndexStatus, RebuildStarted, ReconcileReport } from '../contracts/http';
import { adminPath, ROUTES, type RouteName } from '../contracts/routes';

/**
 * `strapi-image-search reconcile | rebuild | scan-duplicates`: index maintenance on a running Strapi through its admin API, as the
 * status page's buttons do, so the caller's RBAC applies (`index.manage`). The credentials come from the
 * environment, never the command line, where other users of the machine could read them.
 */

export interface AdminCredentials {
  email?: string;
  password?: string;
}

const POLL_MS = 2000;

/** `model`: another model's index instead of Strapi's current one. */
export async function runReconcile(baseUrl: string, credentials: AdminCredentials, model?: string): Promise<ReconcileReport> {
  const admin = await login(baseUrl, credentials);
  return ((await admin('reconcile', model ? { model } : {})) as { data: ReconcileReport }).data;
}

/**
 * Starts (or resumes) a rebuild and reports progress until Strapi completed it: first how many sampled images the
 * whitening learned from (`learning`), then how many images the new collection holds. Resolves to how it started,
 * and the space the index is in once rebuilt.
 */
export async function runRebuild(
  baseUrl: string,
  credentials: AdminCredentials,
  progress: (done: number, total: number, learning: boolean) => void
): Promise<RebuildStarted & { space: string | null }> {
  const admin = await login(baseUrl, credentials);
  const started = ((await admin('rebuild', {})) as { data: RebuildStarted }).data;
  for (;;) {
    const status = ((await admin('status')) as { data: IndexStatus }).data;
    const { rebuild, index } = status;
    if (!rebuild.active) return { ...started, space: index.reachable ? index.space.id : null };
    if (rebuild.learning) progress(rebuild.learning.done, rebuild.learning.total, true);
    else progress(rebuild.vectors, index.reachable ? index.vectors : 0, false);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Starts a new scan of the duplicate graph and reports progress until it is complete. */
export async function runDuplicateScan(baseUrl: string, credentials: AdminCredentials, progress: (done: number, total: number) => void): Promise<DuplicateScanStatus> {
  const admin = await login(baseUrl, credentials);
  await admin('scanDuplicates', {});
  for (;;) {
    const scan = ((await admin('status')) as { data: IndexStatus }).data.duplicateScan;
    progress(scan.done, scan.total);
    if (scan.state === 'complete') return scan;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** A text progress bar, e.g. `[##########----------]  50% 150/300 images`. */
export function progressBar(done: number, total: number, what = 'images', width = 30): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(ratio * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}% ${done}/${total} ${what}`;
}

type AdminCall = (route: RouteName, body?: unknown) => Promise<unknown>;

async function login(baseUrl: string, { email, password }: AdminCredentials): Promise<AdminCall> {
  if (!email || !password) throw new Error('needs STRAPI_ADMIN_EMAIL and STRAPI_ADMIN_PASSWORD in the environment');
  const { data } = (await call(new URL('/admin/login', baseUrl), 'POST', { email, password })) as { data: { token: string } };
  return (route, body) => call(new URL(adminPath(route), baseUrl), ROUTES[route].method, body, data.token);
}

async function call(url: URL, method: string, body?: unknown, token?: string): Promise<unknown> {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const payload = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
  if (!response.ok) throw new Error(`${url.pathname} answered ${response.status}: ${payload?.error?.message ?? response.statusText}`);
  return payload;
}
