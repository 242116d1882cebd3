import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { contentApiPath } from '../../server/src/contracts/routes';
import type { SimilarResponse } from '../../server/src/contracts/http';
import { PACKAGE_ROOT } from '../../server/src/utils/paths';
import { resizedCopy, samplePhotos } from '../helpers/photos';
import { readmeInstallSteps, withPluginsEntry } from '../helpers/readme-install';
import { eventually, serviceEnv } from '../helpers/services';

/**
 * What a new user does, from the package alone: scaffold a fresh Strapi 5 TypeScript app, install the packed
 * tarball, follow the README's install steps as written (read from the README itself), build the admin, start
 * it, upload two photos and find one from the other, then open the plugin's pages in Chromium. Each step's output
 * lands in .artifacts/fresh-install/.
 */

const STRAPI_VERSION = (JSON.parse(fs.readFileSync(require.resolve('@strapi/strapi/package.json'), 'utf8')) as { version: string }).version;
const ARTIFACTS = path.join(PACKAGE_ROOT, '.artifacts', 'fresh-install');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const STEP_MS = 15 * 60_000;
const ADMIN = { email: 'ada@example.com', password: 'Fresh-install-1' };

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'image-search-fresh-'));
const appDir = path.join(tmp, 'app');
const timings: Record<string, number> = {};
let strapi: ChildProcess | undefined;
let base: string;
let bootLog = '';

/** The environment of the app's commands: the user's, without what the test run sets for itself. */
function appEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, STRAPI_TELEMETRY_DISABLED: 'true', ...extra };
  // The plugin must quiet TensorFlow by itself; scripts/test.sh sets this for the in-process suites only.
  delete env.TF_CPP_MIN_LOG_LEVEL;
  // node-gyp would download Node's headers (better-sqlite3 builds from source here).
  env.npm_config_nodedir ??= fs.existsSync('/usr/include/node/node.h') ? '/usr' : path.dirname(path.dirname(process.execPath));
  return env;
}

/** Runs one shell step in `cwd`, keeps its output, and fails with its tail. */
function step(name: string, command: string, cwd: string, env = appEnvironment()): string {
  const started = Date.now();
  const result = spawnSync('bash', ['-c', command], { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  timings[name] = (Date.now() - started) / 1000;
  const output = `${result.stdout}${result.stderr}`;
  fs.writeFileSync(path.join(ARTIFACTS, `${Object.keys(timings).length}-${name.replace(/\W+/g, '-')}.log`), `$ ${command}\n${output}`);
  if (result.status !== 0) throw new Error(`${name} (${command}) exited ${result.status ?? result.signal}:\n${output.slice(-3000)}`);
  return output;
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

async function api<T>(method: string, route: string, { token, body }: { token?: string; body?: unknown } = {}): Promise<{ status: number; json: T }> {
  const asJson = body !== undefined && !(body instanceof FormData);
  const headers: Record<string, string> = { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(asJson ? { 'Content-Type': 'application/json' } : {}) };
  const res = await fetch(`${base}${route}`, { method, headers, body: asJson ? JSON.stringify(body) : (body as FormData | undefined) });
  return { status: res.status, json: (await res.json().catch(() => null)) as T };
}

beforeAll(() => {
  fs.rmSync(ARTIFACTS, { recursive: true, force: true });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  if (strapi?.pid) {
    process.kill(-strapi.pid, 'SIGTERM');
    await new Promise((resolve) => strapi!.once('exit', resolve));
  }
  console.log(`FRESH INSTALL timings (s): ${JSON.stringify(timings)}`);
  fs.rmSync(tmp, { recursive: true, force: true });
}, 60_000);

describe('a fresh Strapi app, from the packed tarball and the README', () => {
  it(
    'installs as the README says, and builds',
    () => {
      const [{ filename }] = JSON.parse(step('npm pack', `npm pack --ignore-scripts --json --pack-destination ${tmp}`, PACKAGE_ROOT)) as Array<{ filename: string }>;
      step(
        'create-strapi',
        `npx -y create-strapi@${STRAPI_VERSION} app --non-interactive --skip-cloud --ts --use-npm --no-example --no-git-init --dbclient=sqlite --dbfile=.tmp/data.db --no-run --install`,
        tmp
      );
      const { commands, pluginsEntry } = readmeInstallSteps();
      for (const command of commands) {
        // The README installs from the registry; this installs what would be published.
        step(command.split(' ').slice(0, 3).join(' '), command.replace(/^npm install strapi-plugin-image-search\b/, `npm install ${path.join(tmp, filename)}`), appDir);
      }
      const plugins = path.join(appDir, 'config', 'plugins.ts');
      fs.writeFileSync(plugins, withPluginsEntry(fs.readFileSync(plugins, 'utf8'), pluginsEntry));
      const build = step('npm run build', 'npm run build', appDir, appEnvironment({ NODE_ENV: 'production' }));
      expect(build.split('\n').filter((line) => /\bwarn/i.test(line))).toEqual([]);
    },
    STEP_MS
  );

  it(
    'starts, indexes two uploads and finds one from the other',
    async () => {
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      const env = appEnvironment({ NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), ...serviceEnv() });
      const started = Date.now();
      strapi = spawn('npm', ['run', 'start'], { cwd: appDir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      for (const stream of [strapi.stdout!, strapi.stderr!]) stream.on('data', (chunk: Buffer) => (bootLog += chunk.toString()));
      await eventually('the app to answer /_health', async () => ((await fetch(`${base}/_health`).catch(() => undefined))?.status === 204 ? true : undefined), 120_000, 500);
      timings['start until healthy'] = (Date.now() - started) / 1000;

      // A Strapi CLI command loads the plugin too; it must leave as cleanly as it came.
      const created = step('strapi admin:create-user', `npx strapi admin:create-user --firstname=Ada --lastname=Admin --email=${ADMIN.email} --password=${ADMIN.password}`, appDir, env);
      expect(created).toContain('Successfully created new admin');
      const { json: login } = await api<{ data: { token: string } }>('POST', '/admin/login', { body: ADMIN });
      const { json: apiToken } = await api<{ data: { accessKey: string } }>('POST', '/admin/api-tokens', {
        token: login.data.token,
        body: { name: 'fresh-install', description: '', type: 'full-access', lifespan: null },
      });
      const token = apiToken.data.accessKey;

      const [photo] = samplePhotos(['skimage-chelsea.png']);
      const copy = await resizedCopy(photo, path.join(tmp, 'chelsea-copy.jpg'));
      const form = new FormData();
      for (const file of [photo, copy]) form.append('files', new Blob([fs.readFileSync(file)]), path.basename(file));
      const uploaded = await api<Array<{ id: number }>>('POST', '/api/upload', { token, body: form });
      expect(uploaded.status).toBe(201);
      const [first, second] = uploaded.json.map((file) => file.id);
      const uploadedAt = Date.now();
      const found = await eventually(
        'the copy to be found from the photo',
        async () => {
          const { status, json } = await api<SimilarResponse>('GET', contentApiPath('similarToFile', { id: first }), { token });
          return status === 200 && json.data.some((hit) => hit.file.id === second) ? json.data : undefined;
        },
        120_000,
        500
      );
      timings['upload until found'] = (Date.now() - uploadedAt) / 1000;
      expect(found[0].file.id).toBe(second);
    },
    STEP_MS
  );

  it(
    'serves its admin pages translated, and leaves the browser console and the boot log quiet',
    async () => {
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      const noise: string[] = [];
      const translations: Array<{ url: string; status: number; type: string }> = [];
      try {
        const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
        page.on('console', (message) => {
          if (message.type() === 'warning' || message.type() === 'error') noise.push(message.text());
        });
        page.on('response', (response) => {
          if (/translations|en\.json/.test(response.url())) translations.push({ url: response.url(), status: response.status(), type: response.headers()['content-type'] ?? '' });
        });
        await page.goto(`${base}/admin/auth/login`);
        await page.getByLabel('Email').fill(ADMIN.email);
        await page.getByLabel('Password').fill(ADMIN.password);
        await page.getByRole('button', { name: 'Login' }).click();
        await page.waitForURL((url) => !url.pathname.includes('/auth/'));
        for (const [route, heading] of [
          ['search', 'Search by image'],
          ['duplicates', 'Duplicates'],
          ['status', 'Index status'],
        ]) {
          await page.goto(`${base}/admin/plugins/image-search/${route}`);
          await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
        }
        await page.screenshot({ path: path.join(ARTIFACTS, 'status-page.png'), fullPage: true });
        // Let the page's images and chunks finish, so closing the browser cuts no response short.
        await page.waitForLoadState('networkidle');
      } finally {
        await browser.close();
      }
      console.log(`FRESH INSTALL browser console (${noise.length} warnings and errors):${noise.map((text) => `\n  ${text}`).join('')}`);
      expect(noise.filter((text) => /Failed to load module script|MIME type|image-search/i.test(text))).toEqual([]);
      expect(translations.filter(({ status, type }) => status !== 200 || !/javascript|json/.test(type))).toEqual([]);
      // TensorFlow's own lines at load ("WARNING: All log messages before absl::InitializeLog() ...", "... oneDNN
      // custom operations are on ... round-off errors ...") count too: Strapi drops them from its model process.
      // kafkajs logs each connection attempt it retries; on a loaded machine a first one can time out.
      const retriedConnection = /\[kafka\] Failed to connect to seed broker, trying another broker/;
      // Koa (under Strapi) logs any response the browser hung up on: "Error: write ECONNRESET" is the client, not us.
      const clientHungUp = /^\s*Error: write (ECONNRESET|EPIPE)$/;
      const warnings = bootLog
        .split('\n')
        .filter((line) => /warn|error/i.test(line) && !retriedConnection.test(line) && !clientHungUp.test(line));
      expect(warnings).toEqual([]);
    },
    STEP_MS
  );
});
