import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Core } from '@strapi/strapi';
import sharp from 'sharp';
import type { EntryUsage, SimilarHit } from '../../server/src/contracts/http';
import { permissionAction } from '../../server/src/contracts/permissions';
import { runtimeOf } from '../../server/src/runtime/runtime';
import { partitionForContentType } from '../../server/src/vector-store/partitions';
import { ids, pluginApi } from '../helpers/api';
import { resizedCopy, samplePhotos } from '../helpers/photos';
import { appEnv, eventually } from '../helpers/services';
import { bootStrapi, createAdmin, createApiToken, createRole, type RolePermission } from '../helpers/strapi';
import { adminPath, contentApiPath, contentApiPermission } from '../../server/src/contracts/routes';

/**
 * Safe by default: a merge obeys Strapi's own rights and the server's own duplicate decision, two merges of the same
 * files never both run, the content API shows only what the site may publish, and the admin shows entry titles
 * only to those who may read the entries.
 */

const run = `ac${Date.now().toString(36)}`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'image-search-access-'));
const FILE_UID = 'plugin::upload.file';
let strapi: Core.Strapi;
let api: ReturnType<typeof pluginApi>;

const [astronaut, cat, coffee] = samplePhotos(['skimage-astronaut.png', 'skimage-chelsea.png', 'skimage-coffee.png']);
let original: number;
let copy: number;
let draftOnly: number;
let onPage: number;
let pdf: number;
let pageDocumentId: string;
let articleDocumentId: string;

const READ = permissionAction('read');
const RESOLVE = permissionAction('resolve');
const MEDIA_READ = 'plugin::upload.read';
const MEDIA_UPDATE = 'plugin::upload.assets.update';
const cm = (action: 'read' | 'update' | 'publish', subject: string) => ({ action: `plugin::content-manager.explorer.${action}`, subject });

async function adminWith(name: string, permissions: RolePermission[]): Promise<string> {
  return `Bearer ${await createAdmin(strapi, await createRole(strapi, `${name} ${run}`, permissions), `${name.toLowerCase().replace(/\W+/g, '-')}-${run}@example.com`)}`;
}

const resolve = (body: object, authorization = api.adminAuth) => api.http.post(adminPath('resolveDuplicates')).set('Authorization', authorization).send(body);
const contentApiSimilar = (id: number, token: string, query: Record<string, string> = {}) =>
  api.http.get(contentApiPath('similarToFile', { id: id })).query(query).set('Authorization', `Bearer ${token}`);
/** A resized copy of a photo, written as PNG or JPEG by its name. */
async function variant(source: string, width: number, name: string): Promise<string> {
  const target = path.join(tmp, name);
  await sharp(source).resize(width).toFile(target);
  return target;
}

const fileExists = async (id: number) => (await strapi.db.query(FILE_UID).findOne({ where: { id } })) !== null;
const heroOf = async (documentId: string) =>
  ((await strapi.documents('api::page.page').findOne({ documentId, populate: ['hero'] as never })) as unknown as { hero: { id: number } | null }).hero;

beforeAll(async () => {
  strapi = await bootStrapi(appEnv(run, tmp));
  const adminJwt = await createAdmin(strapi, 'strapi-super-admin', `admin-${run}@example.com`);
  api = pluginApi(strapi, { adminJwt, apiToken: await createApiToken(strapi, `full-${run}`, 'full-access') });

  original = await api.upload(astronaut);
  copy = await api.upload(await resizedCopy(astronaut, path.join(tmp, 'astronaut-copy.jpg')));
  draftOnly = await api.upload(cat);
  onPage = await api.upload(coffee);
  const pdfFile = path.join(tmp, 'notes.pdf');
  fs.writeFileSync(pdfFile, '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
  pdf = await api.upload(pdfFile);
  for (const id of [original, copy, draftOnly, onPage]) await api.indexed(id);

  // A published article using the astronaut and its copy, an article that is only a draft, a page (no drafts).
  const articles = strapi.documents('api::article.article');
  const article = await articles.create({ data: { title: 'Published astronaut', cover: copy, gallery: [original] } as never });
  articleDocumentId = article.documentId;
  await articles.publish({ documentId: article.documentId });
  await articles.create({ data: { title: 'Secret draft', cover: draftOnly } as never });
  const page = await strapi.documents('api::page.page').create({ data: { title: 'Home page', hero: copy, blocks: [] } as never });
  pageDocumentId = page.documentId;
  await strapi.documents('api::page.page').create({ data: { title: 'Coffee page', hero: onPage } as never });
  // The usage changes move the vectors to their content types' partitions, which content-API searches look in.
  const store = runtimeOf(strapi).store();
  const partitionsOf = async (id: number) => (await store.indexedPartitions(id)).get(id)?.join(',');
  await eventually('the usage changes to reach the index', async () =>
    (await partitionsOf(copy)) === [partitionForContentType('api::article.article'), partitionForContentType('api::page.page')].sort().join(',') &&
    (await partitionsOf(original)) === partitionForContentType('api::article.article')
      ? true
      : undefined
  );
}, 300_000);

afterAll(async () => {
  await strapi?.destroy();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the content API shows only what the site may publish', () => {
  let searchOnly: string;
  let articles: string;
  let library: string;

  beforeAll(async () => {
    const search = [contentApiPermission('similarToFile'), contentApiPermission('similarToImage')];
    searchOnly = await createApiToken(strapi, `search-only-${run}`, 'custom', search);
    articles = await createApiToken(strapi, `articles-${run}`, 'custom', [...search, 'api::article.article.find']);
    library = await createApiToken(strapi, `library-${run}`, 'custom', [...search, 'plugin::upload.content-api.find']);
  });

  it('answers 404, as for a missing file, for files the caller may not see', async () => {
    const missing = await contentApiSimilar(999_999, searchOnly);
    expect(missing.status).toBe(404);
    for (const [id, token] of [[original, searchOnly], [draftOnly, articles], [onPage, articles], [pdf, searchOnly], [pdf, articles]] as const) {
      const res = await contentApiSimilar(id, token);
      expect({ id, status: res.status, message: res.body.error?.message }).toEqual({ id, status: 404, message: `File ${id} not found` });
    }
    // Search by image finds nothing a token with no read right may see, even at threshold 0.
    const byImage = await api.http.post(`${contentApiPath('similarToImage')}?threshold=0&pageSize=100`).set('Authorization', `Bearer ${searchOnly}`).attach('image', astronaut);
    expect(byImage.status).toBe(200);
    expect(byImage.body.data).toEqual([]);
  });

  it('lists only files used by published entries the caller may read, with those entries only', async () => {
    const res = await contentApiSimilar(original, articles, { threshold: '0', pageSize: '100' });
    expect(res.status).toBe(200);
    // The draft-only cat and the page's coffee are not the site's to show; the copy's page and draft are not either.
    expect(ids(res.body.data)).toEqual([copy]);
    const usedBy: EntryUsage[] = res.body.data[0].file.usedBy;
    expect(usedBy).toEqual([expect.objectContaining({ contentType: 'api::article.article', field: 'cover', status: 'published', title: 'Published astronaut' })]);
  });

  it('shows every file to a caller that may list the Media Library, but still no drafts or unreadable entries', async () => {
    const res = await contentApiSimilar(original, library, { threshold: '0', pageSize: '100' });
    expect(res.status).toBe(200);
    expect(ids(res.body.data)).toEqual(expect.arrayContaining([draftOnly, onPage]));
    expect((res.body.data as SimilarHit[]).flatMap((hit) => hit.file.usedBy)).toEqual([]);
    expect((await contentApiSimilar(pdf, library)).status).toBe(400);
  });
});

describe('the admin shows entry titles only to those who may read them', () => {
  it('names entries of content types the user may read in the Content Manager, and hides the others', async () => {
    const titlesFor = async (authorization: string) => {
      const res = await api.similar(onPage, { threshold: '0', pageSize: '100' }, authorization);
      expect(res.status).toBe(200);
      const usages = (res.body.data as SimilarHit[]).flatMap((hit) => hit.file.usedBy);
      return Object.fromEntries(['api::article.article', 'api::page.page'].map((uid) => [uid, [...new Set(usages.filter((u) => u.contentType === uid).map((u) => u.title))]]));
    };
    const none = await titlesFor(await adminWith('Searcher', [READ, MEDIA_READ]));
    expect(none).toEqual({ 'api::article.article': [null], 'api::page.page': [null] });
    const articleReader = await titlesFor(await adminWith('Article reader', [READ, MEDIA_READ, cm('read', 'api::article.article')]));
    expect(articleReader['api::page.page']).toEqual([null]);
    expect(articleReader['api::article.article']).not.toContain(null);
    expect((await titlesFor(api.adminAuth))['api::page.page']).not.toContain(null);
  });

  it('shows no file to a user who may not read the Media Library', async () => {
    const noMedia = await adminWith('No media', [READ]);
    expect((await api.similar(original, {}, noMedia)).status).toBe(404);
    const byImage = await api.http.post(`${adminPath('similarToImage')}?threshold=0`).set('Authorization', noMedia).attach('image', astronaut);
    expect(byImage.body.data).toEqual([]);
  });
});

describe('resolve obeys Strapi itself', () => {
  const everything = () => [READ, RESOLVE, MEDIA_READ, MEDIA_UPDATE, ...['api::article.article', 'api::page.page'].flatMap((uid) => [cm('read', uid), cm('update', uid), cm('publish', uid)])];

  it('refuses, naming the missing right, a role that Strapi would not let delete files or change the entries', async () => {
    const cases: Array<[string, RolePermission[], string]> = [
      ['Resolve only', [READ, RESOLVE], MEDIA_UPDATE],
      ['No entry rights', [READ, RESOLVE, MEDIA_UPDATE], 'plugin::content-manager.explorer.update on api::article.article'],
      ['No page rights', [READ, RESOLVE, MEDIA_UPDATE, cm('update', 'api::article.article'), cm('publish', 'api::article.article')], 'explorer.update on api::page.page'],
      ['No publish right', [READ, RESOLVE, MEDIA_UPDATE, cm('update', 'api::article.article'), cm('update', 'api::page.page')], 'plugin::content-manager.explorer.publish on api::article.article'],
      // The files were uploaded through the API, so no admin is their creator.
      ['Own files only', [READ, RESOLVE, { action: MEDIA_UPDATE, subject: null, conditions: ['admin::is-creator'] }, cm('update', 'api::article.article'), cm('update', 'api::page.page'), cm('publish', 'api::article.article')], MEDIA_UPDATE],
    ];
    for (const [name, permissions, missing] of cases) {
      const res = await resolve({ keeperId: original, discardIds: [copy] }, await adminWith(name, permissions));
      expect({ name, status: res.status, message: res.body.error?.message }).toEqual({ name, status: 403, message: expect.stringContaining(missing) });
    }
    expect(await fileExists(copy)).toBe(true);
    expect((await heroOf(pageDocumentId))?.id).toBe(copy);
  });

  it('merges only what the server finds to be copies of the keeper, into fields that take it', async () => {
    const allowed = await adminWith('Merger', everything());
    const similarity = (await api.similar(original, { threshold: '0' })).body.data.find((hit: SimilarHit) => hit.file.id === onPage)?.similarity;
    const unrelated = await resolve({ keeperId: original, discardIds: [onPage] }, allowed);
    expect(unrelated.status).toBe(422);
    expect(unrelated.body.error.message).toContain(`File ${onPage} is not a duplicate of file ${original}`);
    expect(unrelated.body.error.details.similarity).toBeCloseTo(similarity, 2);

    const pdfKeeper = await resolve({ keeperId: pdf, discardIds: [onPage] }, allowed);
    expect(pdfKeeper.status).toBe(422);
    expect(pdfKeeper.body.error.message).toContain(`${pdf} (application/pdf)`);

    // An images-only merge into a field that takes files and videos only.
    await strapi.documents('api::page.page').update({ documentId: pageDocumentId, data: { attachments: [copy] } as never });
    const misfit = await resolve({ keeperId: original, discardIds: [copy] }, allowed);
    expect(misfit.status).toBe(422);
    expect(misfit.body.error.message).toMatch(/cannot replace file \d+ in api::page\.page attachments, which takes files, videos only/);
    await strapi.documents('api::page.page').update({ documentId: pageDocumentId, data: { attachments: [] } as never });

    for (const id of [original, copy, onPage, pdf]) expect(await fileExists(id)).toBe(true);
  });

  it('merges for a role with every right Strapi asks for', async () => {
    const res = await resolve({ keeperId: original, discardIds: [copy] }, await adminWith('Full merger', everything()));
    expect(res.status).toBe(200);
    expect(await fileExists(copy)).toBe(false);
    expect((await heroOf(pageDocumentId))?.id).toBe(original);
    const published = (await strapi.documents('api::article.article').findOne({ documentId: articleDocumentId, status: 'published', populate: ['cover'] as never })) as unknown as {
      cover: { id: number };
    };
    expect(published.cover.id).toBe(original);
  });

  it('serializes two merges of the same files: one wins, the other gets 409, no entry is left empty', async () => {
    const RACES = 8;
    const pairs: Array<{ a: number; b: number; page: string }> = [];
    for (let i = 0; i < RACES; i++) {
      const width = 300 + 20 * i;
      const a = await api.upload(await variant(cat, width, `race-a-${i}.png`));
      const b = await api.upload(await variant(cat, width - 10, `race-b-${i}.jpg`));
      const page = await strapi.documents('api::page.page').create({ data: { title: `Race ${i}`, hero: b } as never });
      pairs.push({ a, b, page: page.documentId });
    }
    for (const { a, b } of pairs) {
      await api.indexed(a);
      await api.indexed(b);
    }
    const outcomes: string[] = [];
    for (const { a, b, page } of pairs) {
      const answers = await Promise.all([resolve({ keeperId: a, discardIds: [b] }), resolve({ keeperId: b, discardIds: [a] })]);
      const statuses = answers.map((res) => res.status).sort();
      outcomes.push(statuses.join('/'));
      expect(statuses[0]).toBe(200);
      expect([404, 409]).toContain(statuses[1]);
      const survivors = [(await fileExists(a)) && a, (await fileExists(b)) && b].filter(Boolean);
      expect(survivors).toHaveLength(1);
      expect((await heroOf(page))?.id).toBe(survivors[0]);
    }
    console.log(`RACE ${RACES} pairs resolved both ways at once: ${outcomes.join(' ')}`);
    expect(outcomes.filter((outcome) => outcome === '200/409').length).toBeGreaterThan(0);
  });
});
