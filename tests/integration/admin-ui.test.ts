import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Core } from '@strapi/strapi';
import { chromium, type Browser, type Page } from 'playwright-core';
import { pluginApi } from '../helpers/api';
import { bootStrapi, createAdmin, createApiToken } from '../helpers/strapi';
import { appEnv, eventually } from '../helpers/services';
import { resizedCopy, samplePhotos } from '../helpers/photos';

/**
 * The admin pages in a real browser (Debian's Chromium driven by playwright-core) against the built admin panel:
 * search by a library file and by an uploaded image, resolve a duplicate group, and a role without the plugin's
 * permission. Screenshots of every page land in .artifacts/screenshots.
 */

const run = `ui${Date.now().toString(36)}`;
// Not the defaults: the pages must start from the site's configured thresholds.
const SEARCH_THRESHOLD = '0.5';
const DUPLICATE_THRESHOLD = '0.75';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'image-search-ui-'));
const SCREENSHOTS = path.resolve(__dirname, '../../.artifacts/screenshots');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PASSWORD = 'Test-password-1';
const ADMIN = `admin-${run}@example.com`;
const EDITOR = `editor-${run}@example.com`;

let strapi: Core.Strapi;
let browser: Browser;
let base: string;
let original: number;
let copy: number;
let articleId: string;
const [astronaut, cat, coffee] = samplePhotos(['skimage-astronaut.png', 'skimage-chelsea.png', 'skimage-coffee.png']);

/** What the pages printed to the browser console as warnings or errors, over the whole suite. */
const consoleNoise: string[] = [];

async function logIn(email: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  page.on('console', (message) => {
    if (message.type() === 'warning' || message.type() === 'error') consoleNoise.push(`${message.text()} (${message.location().url.split('/').pop()}, on ${new URL(page.url()).pathname})`);
  });
  await page.goto(`${base}/admin/auth/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Login' }).click();
  await page.waitForURL((url) => !url.pathname.includes('/auth/'));
  return page;
}

const screenshot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });

beforeAll(async () => {
  strapi = await bootStrapi({ ...appEnv(run, tmp), IMAGE_SEARCH_THRESHOLD: SEARCH_THRESHOLD, IMAGE_SEARCH_DUPLICATE_THRESHOLD: DUPLICATE_THRESHOLD }, { serveAdminPanel: true });
  base = `http://127.0.0.1:${(strapi.server.httpServer.address() as AddressInfo).port}`;
  const adminJwt = await createAdmin(strapi, 'strapi-super-admin', ADMIN);
  await createAdmin(strapi, 'strapi-editor', EDITOR);
  const api = pluginApi(strapi, { adminJwt, apiToken: await createApiToken(strapi, `full-${run}`, 'full-access') });

  original = await api.upload(astronaut);
  copy = await api.upload(await resizedCopy(astronaut, path.join(tmp, 'astronaut-copy.jpg')));
  const others = [await api.upload(cat), await api.upload(coffee)];
  for (const id of [original, copy, ...others]) await api.indexed(id);
  const articles = strapi.documents('api::article.article');
  const article = await articles.create({ data: { title: 'Astronaut story', cover: copy } as never });
  await articles.publish({ documentId: article.documentId });
  articleId = article.documentId;

  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await strapi?.destroy();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the admin pages in a browser', () => {
  it('searches by a file picked from the media library, then by an uploaded image: the near-duplicate comes first', async () => {
    const page = await logIn(ADMIN);
    await page.getByRole('link', { name: 'Image search' }).first().click();
    await page.waitForURL(/plugins\/image-search\/search/);

    await page.getByRole('button', { name: 'Choose from the library' }).click();
    const dialog = page.getByRole('dialog');
    // Files uploaded through the content API sit in Strapi's "API Uploads" folder.
    await dialog.getByText('API Uploads').click();
    await dialog.locator('article', { hasText: 'astronaut-copy.jpg' }).locator('[role=checkbox], input[type=checkbox]').first().click();
    await dialog.getByRole('button', { name: 'Finish' }).click();
    const results = page.getByTestId('results');
    await expectFirstResult(page, original);
    await expect(results.getByTestId(`file-card-${original}`).getByTestId('similarity').innerText()).resolves.toMatch(/^9\d/);
    await expect(page.getByLabel('Minimum similarity').inputValue()).resolves.toBe(SEARCH_THRESHOLD);
    await screenshot(page, 'search-by-library-file');

    await page.getByTestId('query-file').setInputFiles(path.join(tmp, 'astronaut-copy.jpg'));
    await page.getByText('Images like astronaut-copy.jpg').waitFor();
    await expectFirstResult(page, [original, copy]);
    await screenshot(page, 'search-by-uploaded-image');
    await page.close();
  });

  it('resolves a duplicate group: the entry then shows the kept file', async () => {
    const page = await logIn(ADMIN);
    await page.goto(`${base}/admin/plugins/image-search/duplicates`);
    const group = page.getByTestId(`group-${Math.min(original, copy)}`);
    await group.waitFor();
    await expect(group.getByText('Suggested keeper').count()).resolves.toBe(1);
    await expect(group.getByTestId('keeper-reason').innerText()).resolves.toMatch(/^largest: \d+×\d+$/);
    await expect(page.getByLabel('Similarity that counts as a duplicate').inputValue()).resolves.toBe(DUPLICATE_THRESHOLD);
    await expect(page.getByTestId('decision-words').innerText()).resolves.toMatch(
      new RegExp(`at least ${DUPLICATE_THRESHOLD} and their keypoints show that one is a copy of the other: the same bytes; resized or re-encoded; .* Different shots of one scene do not\\.$`)
    );
    await screenshot(page, 'duplicates');

    // Why they are copies: the pair verified now, its matched points drawn between the two images.
    await group.getByRole('button', { name: 'Show matched points' }).click();
    const why = page.getByRole('dialog');
    await expect(why.getByTestId('pair-verdict').innerText()).resolves.toMatch(/resized or re-encoded\. This site counts that as a duplicate\./);
    // The lines are drawn once both images' sizes are known, after the verdict. Level ones have no height: not "visible".
    await why.getByTestId('match-picture').locator('line').nth(10).waitFor({ state: 'attached' });
    await page.waitForTimeout(500);
    await screenshot(page, 'duplicates-matched-points');
    await page.keyboard.press('Escape');
    await why.waitFor({ state: 'detached' });

    await group.getByRole('button', { name: 'Keep selected, merge the others' }).click();
    const confirm = page.getByRole('alertdialog');
    await expect(confirm.getByTestId('affected-entries').innerText()).resolves.toContain('Astronaut story · cover (draft)');
    // Let the dialog's opening animation finish before the picture.
    await page.waitForTimeout(500);
    await screenshot(page, 'duplicates-confirm');
    await confirm.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('No duplicates at this similarity').waitFor();
    await screenshot(page, 'duplicates-resolved');

    // The entry's edit view shows the kept file in the cover field.
    await page.goto(`${base}/admin/content-manager/collection-types/api::article.article/${articleId}`);
    await page.getByText('skimage-astronaut.png').first().waitFor();
    await expect(page.getByText('astronaut-copy.jpg').count()).resolves.toBe(0);
    await screenshot(page, 'entry-after-resolve');
    const published = (await strapi.documents('api::article.article').findOne({ documentId: articleId, status: 'published', populate: ['cover'] as never })) as unknown as {
      cover: { id: number };
    };
    expect(published.cover.id).toBe(original);
    await page.close();
  });

  it('shows the index status', async () => {
    const page = await logIn(ADMIN);
    await page.goto(`${base}/admin/plugins/image-search/status`);
    await page.getByText('Images in the library').waitFor();
    await page.getByRole('button', { name: 'Reconcile the index' }).waitFor();
    await screenshot(page, 'status');

    // A rebuild shows its progress until it completes by itself.
    await page.getByRole('button', { name: 'Rebuild the index' }).click();
    const progress = page.getByText(/Rebuilding: \d+ of \d+ vectors in the new index/);
    await progress.waitFor();
    await screenshot(page, 'status-rebuilding');
    await progress.waitFor({ state: 'detached', timeout: 60_000 });

    // So does a scan of the duplicate graph, which then reads up to date.
    await page.getByRole('button', { name: 'Find duplicates again' }).click();
    await page.getByText(/Finding duplicates among \d+ images/).waitFor();
    await page.getByText('Up to date', { exact: true }).waitFor({ timeout: 60_000 });
    await screenshot(page, 'status-duplicate-graph');
    await page.close();
  });

  it('hides the plugin from a role without its permission', async () => {
    const page = await logIn(EDITOR);
    await page.getByRole('link', { name: 'Content Manager' }).first().waitFor();
    await expect(page.getByRole('link', { name: 'Image search' }).count()).resolves.toBe(0);
    await page.goto(`${base}/admin/plugins/image-search/search`);
    await page.getByText(/don't have the permissions/i).waitFor();
    await expect(page.getByRole('button', { name: 'Choose from the library' }).count()).resolves.toBe(0);
    await screenshot(page, 'no-permission');
    await page.close();
  });

  it('leaves no warning of its own in the browser console', () => {
    console.log(`BROWSER CONSOLE ${consoleNoise.length} warnings and errors${consoleNoise.map((text) => `\n  ${text}`).join('')}`);
    // Strapi's own app warns on every page, the login page too (React Router's future flags, a useRBAC call of its
    // own), so only what names the plugin (a failed translation or script of its own) is asserted.
    expect(consoleNoise.filter((text) => /image-search/.test(text.split(' (')[0]))).toEqual([]);
  });
});

/** Waits for the result grid to settle with one of `ids` as its first card. */
async function expectFirstResult(page: Page, ids: number | number[]) {
  const wanted = [ids].flat();
  await eventually(`file ${wanted.join(' or ')} to be the first result`, async () => {
    const first = await page.getByTestId('results').locator('[data-testid^=file-card-]').first().getAttribute('data-testid').catch(() => null);
    return first && wanted.some((id) => first === `file-card-${id}`) ? true : undefined;
  }, 30_000);
}
