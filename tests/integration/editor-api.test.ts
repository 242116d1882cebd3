import { execFile } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Core } from '@strapi/strapi';
import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { encode as encodeBmp } from 'bmp-ts';
import sharp from 'sharp';
import { SEARCH_LIMITS, type DuplicateGroup, type DuplicateNoticeView, type DuplicatePairMatch, type ResolveReport, type SimilarHit } from '../../server/src/contracts/http';
import { permissionAction } from '../../server/src/contracts/permissions';
import { runtimeOf } from '../../server/src/runtime/runtime';
import { createMilvusStore } from '../../server/src/vector-store/milvus-store';
import { partitionForContentType, UNATTACHED_PARTITION } from '../../server/src/vector-store/partitions';
import { ids, pluginApi } from '../helpers/api';
import { ADMIN_PASSWORD, bootStrapi, createAdmin, createApiToken, createRole } from '../helpers/strapi';
import { appEnv, eventually } from '../helpers/services';
import { CLI } from '../helpers/worker-process';
import { resizedCopy, samplePhotos } from '../helpers/photos';
import { readTopic } from '../helpers/faults';
import { DECISION_EVENT_TYPES, decisionEventSchema, parseEvent } from '../../server/src/contracts/events';
import { adminPath, contentApiPath, contentApiPermission, type RouteName } from '../../server/src/contracts/routes';
import { DEFAULT_CACHE_DIR } from '../../server/src/verification/image-cache';

/**
 * The editor's API on the real stack: search by an uploaded image, where files are used, the duplicates review
 * (groups, "not duplicates", resolve), every bad input, and the permission of every route.
 */

const run = `ed${Date.now().toString(36)}`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'image-search-editor-'));
const MAX_UPLOAD_BYTES = 2 * 1024 * 1024;
let strapi: Core.Strapi;
let api: ReturnType<typeof pluginApi>;
let fullToken: string;
let readerJwt: string;
let editorJwt: string;

const [astronaut, cat, coffee] = samplePhotos(['skimage-astronaut.png', 'skimage-chelsea.png', 'skimage-coffee.png']);
let original: number;
let copy: number;
let catId: number;
let catCopy: number;
let coffeeId: number;

/** A bad request: its name, how to send it, the status it must get, and words its error message must hold. */
type BadInput = [string, () => Promise<{ status: number; body: { error?: { message: string } } }>, number, string];

async function expectClientErrors(cases: readonly BadInput[]) {
  for (const [name, send, status, words] of cases) {
    const res = await send();
    expect({ name, status: res.status }).toEqual({ name, status });
    expect({ name, message: res.body.error?.message }).toEqual({ name, message: expect.stringContaining(words) });
  }
}

const auth = () => api.adminAuth;
const searchByImage = (file: string | Buffer, query: Record<string, string> = {}, authorization = auth()) =>
  api.http.post(adminPath('similarToImage')).query(query).set('Authorization', authorization).attach('image', file, 'query.jpg');
const duplicates = (query: Record<string, string | number> = {}, authorization = auth()) =>
  api.http.get(adminPath('duplicates')).query(query).set('Authorization', authorization);
const post = (route: RouteName, body: unknown, authorization = auth()) => api.http.post(adminPath(route)).set('Authorization', authorization).send(body as object);

beforeAll(async () => {
  strapi = await bootStrapi({
    ...appEnv(run, tmp),
    IMAGE_SEARCH_MAX_INPUT_PIXELS: '1000000',
    IMAGE_SEARCH_MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
  });
  const adminJwt = await createAdmin(strapi, 'strapi-super-admin', `admin-${run}@example.com`);
  fullToken = await createApiToken(strapi, `full-${run}`, 'full-access');
  api = pluginApi(strapi, { adminJwt, apiToken: fullToken });
  // Searching shows files, which the Media Library's read right governs.
  readerJwt = await createAdmin(strapi, await createRole(strapi, `Reader ${run}`, [permissionAction('read'), 'plugin::upload.read']), `reader-${run}@example.com`);
  editorJwt = await createAdmin(strapi, 'strapi-editor', `editor-${run}@example.com`);

  original = await api.upload(astronaut);
  copy = await api.upload(await resizedCopy(astronaut, path.join(tmp, 'astronaut-copy.jpg')));
  catId = await api.upload(cat);
  catCopy = await api.upload(await resizedCopy(cat, path.join(tmp, 'cat-copy.jpg')));
  coffeeId = await api.upload(coffee);
  for (const id of [original, copy, catId, catCopy, coffeeId]) await api.indexed(id);
}, 240_000);

afterAll(async () => {
  await strapi?.destroy();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('search by an uploaded image', () => {
  it('finds the original and its copy first, without storing the query image', async () => {
    const before = await strapi.db.query('plugin::upload.file').count();
    const query = await resizedCopy(astronaut, path.join(tmp, 'query.jpg'));
    const res = await searchByImage(query);
    expect(res.status).toBe(200);
    expect(ids(res.body.data).slice(0, 2).sort()).toEqual([original, copy].sort());
    expect(res.body.data[0].similarity).toBeGreaterThan(0.9);
    expect(res.body.meta.query.image).toEqual({ name: 'query.jpg', mime: 'image/jpeg', width: expect.any(Number), height: expect.any(Number) });
    expect(await strapi.db.query('plugin::upload.file').count()).toBe(before);
  });

  it('takes parameters from the query string or the form, and filters by MIME type', async () => {
    const pngOnly = await searchByImage(astronaut, { mime: 'image/png', threshold: '0' });
    expect(pngOnly.status).toBe(200);
    expect(pngOnly.body.data.length).toBeGreaterThan(0);
    expect(pngOnly.body.data.every((hit: SimilarHit) => hit.file.mime === 'image/png')).toBe(true);
    const form = await api.http.post(adminPath('similarToImage')).set('Authorization', auth()).field('threshold', '0.99').field('pageSize', '1').attach('image', astronaut);
    expect(form.status).toBe(200);
    expect(form.body.meta).toMatchObject({ threshold: 0.99, pagination: { pageSize: 1 } });
  });

  it('serves the content API to a token allowed to search by image, and refuses others', async () => {
    // It may list the Media Library too: unattached files are shown only to such callers (access.test.ts).
    const allowed = await createApiToken(strapi, `by-image-${run}`, 'custom', [contentApiPermission('similarToImage'), 'plugin::upload.content-api.find']);
    const readOnly = await createApiToken(strapi, `read-only-${run}`, 'read-only');
    const contentApi = (token?: string) => {
      const req = api.http.post(contentApiPath('similarToImage')).attach('image', astronaut);
      return token ? req.set('Authorization', `Bearer ${token}`) : req;
    };
    const res = await contentApi(allowed);
    expect(res.status).toBe(200);
    expect(ids(res.body.data)[0]).toBe(original);
    expect((await contentApi(readOnly)).status).toBe(403);
    expect((await contentApi()).status).toBe(403);
  });

  it('answers every bad input with a clear 4xx, never a 500', async () => {
    const text = path.join(tmp, 'notes.txt');
    fs.writeFileSync(text, 'not an image at all');
    const empty = path.join(tmp, 'empty.jpg');
    fs.writeFileSync(empty, '');
    const huge = path.join(tmp, 'huge.png');
    await sharp({ create: { width: 1200, height: 1000, channels: 3, background: '#808080' } }).png().toFile(huge);
    const tooBig = path.join(tmp, 'too-big.bin');
    fs.writeFileSync(tooBig, Buffer.alloc(MAX_UPLOAD_BYTES + 1, 1));
    const truncated = path.join(tmp, 'truncated.png');
    fs.writeFileSync(truncated, fs.readFileSync(astronaut).subarray(0, 2000));

    const cases: BadInput[] = [
      ['no image', () => api.http.post(adminPath('similarToImage')).set('Authorization', auth()), 400, 'image'],
      ['a text file', () => searchByImage(text), 400, 'image'],
      ['an empty file', () => searchByImage(empty), 400, 'empty'],
      ['a truncated PNG', () => searchByImage(truncated), 400, 'image'],
      ['over the pixel limit', () => searchByImage(huge), 400, 'pixels'],
      ['over the byte limit', () => searchByImage(tooBig), 413, 'limit'],
      ['two images', () => api.http.post(adminPath('similarToImage')).set('Authorization', auth()).attach('image', astronaut).attach('image', coffee), 400, 'one image'],
      ['a bad threshold', () => searchByImage(astronaut, { threshold: '2' }), 400, 'threshold'],
      ['a bad page', () => searchByImage(astronaut, { page: '-1' }), 400, 'page'],
      ['a bad MIME filter', () => searchByImage(astronaut, { mime: 'png' }), 400, 'mime'],
      ['an unknown content type', () => searchByImage(astronaut, { contentType: 'api::nope.nope' }), 400, 'contentType'],
      ['an unknown parameter', () => searchByImage(astronaut, { colour: 'red' }), 400, 'colour'],
      ['an empty threshold', () => searchByImage(astronaut, { threshold: '' }), 400, 'threshold must be a number'],
      ['a blank threshold', () => searchByImage(astronaut, { threshold: ' ' }), 400, 'threshold must be a number'],
      ['a threshold list', () => api.http.post(`${adminPath('similarToImage')}?threshold[]=`).set('Authorization', auth()).attach('image', astronaut), 400, 'threshold must be a number'],
      ['an empty content-type list', () => searchByImage(astronaut, { contentType: ',,,' }), 400, 'contentType must name at least one'],
      ['an empty MIME list', () => searchByImage(astronaut, { mime: ',' }), 400, 'mime must name at least one'],
      ['an empty page', () => searchByImage(astronaut, { page: '' }), 400, 'page must be a number'],
    ];
    await expectClientErrors(cases);
  });

  it('reads BMP and SVG query images, and names their real MIME types', async () => {
    const bmp = await sharp(astronaut).resize(64).raw().toBuffer({ resolveWithObject: true });
    // bmp-ts takes ABGR.
    const abgr = Buffer.alloc(bmp.info.width * bmp.info.height * 4);
    for (let i = 0, j = 0; j < bmp.data.length; i += 4, j += bmp.info.channels) abgr.set([255, bmp.data[j + 2], bmp.data[j + 1], bmp.data[j]], i);
    const bmpFile = encodeBmp({ data: abgr, width: bmp.info.width, height: bmp.info.height, bitPP: 24 }).data;
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="48"><rect width="64" height="48" fill="#1414dc"/></svg>');
    const byBmp = await api.http.post(adminPath('similarToImage')).set('Authorization', auth()).attach('image', bmpFile, 'query.bmp');
    expect(byBmp.status).toBe(200);
    expect(byBmp.body.meta.query.image).toEqual({ name: 'query.bmp', mime: 'image/bmp', width: 64, height: bmp.info.height });
    expect(ids(byBmp.body.data).slice(0, 2).sort()).toEqual([original, copy].sort());
    const bySvg = await api.http.post(adminPath('similarToImage')).set('Authorization', auth()).attach('image', svg, 'query.svg');
    expect(bySvg.status).toBe(200);
    expect(bySvg.body.meta.query.image).toEqual({ name: 'query.svg', mime: 'image/svg+xml', width: 64, height: 48 });
  });
});

describe('duplicates review', () => {
  it('notices near-duplicates at upload time, through the duplicate-detected event', async () => {
    const notices: DuplicateNoticeView[] = await eventually('the upload-time notices', async () => {
      const res = await api.http.get(adminPath('recentDuplicates')).set('Authorization', auth());
      const pairs = (res.body.data ?? []) as DuplicateNoticeView[];
      const named = (a: number, b: number) => pairs.some((n) => n.file.id === a && n.duplicates.some((d) => d.file.id === b));
      return (named(copy, original) || named(original, copy)) && (named(catCopy, catId) || named(catId, catCopy)) ? pairs : undefined;
    });
    for (const notice of notices) {
      for (const duplicate of notice.duplicates) {
        expect(duplicate.similarity).toBeGreaterThanOrEqual(0.7);
        expect(duplicate.kind).toBe('resized');
      }
    }
    // The coffee photo has no near-duplicate.
    expect(notices.map((notice) => notice.file.id)).not.toContain(coffeeId);
  });

  it('groups each photo with its copy, keeper first, pages stable', async () => {
    const res = await duplicates();
    expect(res.status).toBe(200);
    const groups: DuplicateGroup[] = res.body.data;
    expect(groups.map((group) => group.files.map((file) => file.id).sort())).toEqual([
      [original, copy].sort(),
      [catId, catCopy].sort(),
    ]);
    // The originals have the larger resolution, and the reason says so.
    expect(groups.map((group) => group.suggestedKeeperId)).toEqual([original, catId]);
    for (const group of groups) expect(group.keeperReason).toMatch(/^largest: \d+×\d+$/);
    expect(groups[0].files[0]).toMatchObject({ id: original, similarity: 1, thumbnailUrl: expect.any(String), usedBy: [] });
    expect(groups[0].files[1].similarity).toBeGreaterThan(0.9);
    // Each copy is verified by its keypoints against the keeper, and named: these are downscaled re-encodes.
    expect(groups.map((group) => group.files.map((file) => file.kind))).toEqual([
      [null, 'resized'],
      [null, 'resized'],
    ]);
    expect(res.body.meta).toMatchObject({ threshold: 0.7, kinds: ['identical', 'resized', 'cropped', 'edited', 'mirrored'], pagination: { page: 1, total: 2, pageCount: 1 } });

    const pages = await Promise.all([1, 2].map(async (page) => (await duplicates({ page, pageSize: 1 })).body.data[0].id));
    expect(pages).toEqual(groups.map((group) => group.id));
    expect((await duplicates({ threshold: 0.9999 })).body.data).toEqual([]);
  });

  it('rebuilds the duplicate graph with a full scan, resumable and with progress, and the groups stay the same', async () => {
    const before = (await duplicates()).body.data;
    // Without the worker's verification images (a worker on another machine, or files indexed before pairs were
    // verified), the scan makes them from the files themselves.
    fs.rmSync(path.join(DEFAULT_CACHE_DIR, appEnv(run, tmp).IMAGE_SEARCH_COLLECTION_PREFIX), { recursive: true, force: true });
    const started = await post('scanDuplicates', {});
    expect(started.status).toBe(200);
    expect(started.body.data).toMatchObject({ state: 'running', total: expect.any(Number) });
    const scan = await eventually('the duplicate scan to complete', async () => {
      const { duplicateScan } = (await api.http.get(adminPath('status')).set('Authorization', auth())).body.data;
      return duplicateScan.state === 'complete' ? duplicateScan : undefined;
    });
    expect(scan.done).toBe(started.body.data.total);
    expect((await duplicates()).body.data).toEqual(before);
  });

  it('never groups files marked "not duplicates" again', async () => {
    const res = await post('dismissDuplicates', { fileIds: [catId, catCopy] });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ fileIds: [catId, catCopy], decision: 'not-duplicates', pairsMarked: 1 });
    expect((await post('dismissDuplicates', { fileIds: [catCopy, catId] })).body.data.pairsMarked).toBe(0);
    const groups: DuplicateGroup[] = (await duplicates()).body.data;
    expect(groups.map((group) => group.id)).toEqual([Math.min(original, copy)]);
  });

  it('keeps a mark for every file with the same bytes: a re-upload of a dismissed copy stays apart, and "keep all" settles the rest', async () => {
    const again = await api.upload(path.join(tmp, 'cat-copy.jpg'));
    await api.indexed(again);
    const groupOf = (groups: DuplicateGroup[], id: number) => groups.find((group) => group.files.some((file) => file.id === id));
    const groups: DuplicateGroup[] = await eventually('the re-upload to join the review', async () => {
      const data = (await duplicates()).body.data as DuplicateGroup[];
      return groupOf(data, again) ? data : undefined;
    });
    // Byte for byte the dismissed copy: it groups with that copy, never with the cat photo it was marked apart from.
    expect(groupOf(groups, again)!.files.map((file) => file.id).sort()).toEqual([catCopy, again].sort());
    expect(groupOf(groups, catId)).toBeUndefined();

    const kept = await post('dismissDuplicates', { fileIds: [catCopy, again], decision: 'keep-both' });
    expect(kept.body.data).toEqual({ fileIds: [catCopy, again], decision: 'keep-both', pairsMarked: 1 });
    expect(groupOf((await duplicates()).body.data, again)).toBeUndefined();
    const refused = await post('resolveDuplicates', { keeperId: catCopy, discardIds: [again] });
    expect(refused.status).toBe(422);
    expect(refused.body.error.message).toBe(`Files ${catCopy} and ${again} were marked as copies to keep both of`);

    expect((await api.http.delete(`/api/upload/files/${again}`).set('Authorization', `Bearer ${fullToken}`)).status).toBe(200);
    await eventually('the re-upload to leave the index', async () => ((await api.similar(again)).status === 404 ? true : undefined));
  });

  it("shows why two files are copies: the pair verified now, its matched points where they are in both images", async () => {
    const pair = (a: number, b: number, authorization = auth()) => api.http.get(adminPath('duplicatePair')).query({ a, b }).set('Authorization', authorization);
    const res = await pair(original, copy);
    expect(res.status).toBe(200);
    const match: DuplicatePairMatch = res.body.data;
    expect(match).toMatchObject({ a: original, b: copy, kind: 'resized', counted: true, mirrored: false, agreement: expect.any(Number) });
    expect(match.inliers).toBeGreaterThanOrEqual(match.points.length);
    expect(match.points.length).toBeGreaterThan(10);
    expect(match.points.length).toBeLessThanOrEqual(SEARCH_LIMITS.drawnPoints);
    // A resized copy: each point sits at the same place in both frames.
    for (const [ax, ay, bx, by] of match.points) {
      expect(Math.abs(ax - bx) + Math.abs(ay - by)).toBeLessThan(0.03);
      for (const share of [ax, ay, bx, by]) expect(share >= 0 && share <= 1).toBe(true);
    }
    const different = (await pair(original, coffeeId)).body.data as DuplicatePairMatch;
    expect(different).toMatchObject({ counted: false });
    expect([null, 'similar']).toContain(different.kind);

    // Verifying shows both files: a role without the Media Library's read right sees neither.
    const blindJwt = await createAdmin(strapi, await createRole(strapi, `Blind ${run}`, [permissionAction('read')]), `blind-${run}@example.com`);
    expect((await pair(original, copy, `Bearer ${blindJwt}`)).status).toBe(404);
    await expectClientErrors([
      ['a pair without b', () => api.http.get(adminPath('duplicatePair')).query({ a: original }).set('Authorization', auth()), 400, 'b'],
      ['a file paired with itself', () => pair(original, original), 400, 'two different files'],
      ['a text file id', () => api.http.get(adminPath('duplicatePair')).query({ a: 'x', b: copy }).set('Authorization', auth()), 400, 'a must be a number'],
      ['an unknown file', () => pair(original, 999_999), 404, '999999'],
    ]);
  });

  it('resolves a group: entries re-pointed to the keeper in drafts and published versions, the copy deleted', async () => {
    const articles = strapi.documents('api::article.article');
    const article = await articles.create({
      data: { title: 'Astronaut story', cover: copy, gallery: [copy, original, coffeeId], seo: { metaTitle: 'Space', shareImage: copy } } as never,
    });
    await articles.publish({ documentId: article.documentId });
    // The draft moves on after publishing: only the draft's gallery loses the coffee photo.
    await articles.update({ documentId: article.documentId, data: { gallery: [copy, original] } as never });
    const page = await strapi.documents('api::page.page').create({ data: { title: 'Home', hero: copy } as never });

    const similar: SimilarHit[] = (await api.similar(original)).body.data;
    const usedBy = similar.find((hit) => hit.file.id === copy)!.file.usedBy;
    expect(usedBy.map((entry) => `${entry.contentType} ${entry.field} ${entry.status}`).sort()).toEqual(
      [
        'api::article.article cover draft',
        'api::article.article cover published',
        'api::article.article gallery draft',
        'api::article.article gallery published',
        'api::article.article seo.shareImage draft',
        'api::article.article seo.shareImage published',
        'api::page.page hero published',
      ].sort()
    );
    expect(usedBy.find((entry) => entry.contentType === 'api::page.page')).toMatchObject({ documentId: page.documentId, title: 'Home' });

    const res = await post('resolveDuplicates', { keeperId: original, discardIds: [copy] });
    expect(res.status).toBe(200);
    const report: ResolveReport = res.body.data;
    expect(report).toMatchObject({ keeperId: original, deleted: [copy] });
    expect(report.repointed).toHaveLength(7);
    // Event consumers (a CDN, a search index) learn of the merge from the index topic, with every entry re-pointed.
    const resolved = await eventually('the merge on the index topic', async () => {
      const { KAFKA_BROKERS, IMAGE_SEARCH_INDEX_TOPIC } = appEnv(run, tmp);
      const events = (await readTopic(KAFKA_BROKERS.split(','), IMAGE_SEARCH_INDEX_TOPIC)).map((message) => parseEvent(decisionEventSchema, message.value));
      return events.flatMap((parsed) => ('event' in parsed && parsed.event.type === DECISION_EVENT_TYPES.duplicatesResolved ? [parsed.event] : []))[0];
    });
    expect(resolved).toMatchObject({ subject: String(original), data: { keeper: { id: original }, deleted: [{ id: copy }] } });
    expect(resolved.data.repointed).toEqual(report.repointed.map(({ title: _, ...entry }) => entry));

    for (const status of ['draft', 'published'] as const) {
      const entry = (await articles.findOne({ documentId: article.documentId, status, populate: ['cover', 'gallery', 'seo.shareImage'] as never })) as unknown as {
        cover: { id: number };
        gallery: Array<{ id: number }>;
        seo: { shareImage: { id: number } };
      };
      expect({ status, cover: entry.cover.id, share: entry.seo.shareImage.id }).toEqual({ status, cover: original, share: original });
      // The keeper was in the gallery already: it appears once, where it was.
      expect({ status, gallery: entry.gallery.map((file) => file.id) }).toEqual({ status, gallery: status === 'draft' ? [original] : [original, coffeeId] });
    }
    const hero = (await strapi.documents('api::page.page').findOne({ documentId: page.documentId, populate: ['hero'] as never })) as unknown as { hero: { id: number } };
    expect(hero.hero.id).toBe(original);
    expect(await strapi.db.query('plugin::upload.file').findOne({ where: { id: copy } })).toBeNull();
    // PostgreSQL counts as a string.
    expect(Number((await strapi.db.connection('files_related_mph').where('file_id', copy).count({ n: '*' }).first())?.n)).toBe(0);
    await eventually('the resolved group to leave the review', async () => ((await duplicates()).body.data.length === 0 ? true : undefined));
  });

  it('answers every bad input with a clear 4xx, never a 500', async () => {
    const cases: BadInput[] = [
      ['a threshold above 1', () => duplicates({ threshold: 2 }), 400, 'threshold'],
      ['a threshold below the duplicate graph', () => duplicates({ threshold: 0.5 }), 400, 'threshold must be at least 0.7'],
      ['page size 0', () => duplicates({ pageSize: 0 }), 400, 'pageSize'],
      ['an unknown content type', () => duplicates({ contentType: 'api::nope.nope' }), 400, 'contentType'],
      ['an unknown parameter', () => duplicates({ sort: 'size' }), 400, 'sort'],
      ['resolve without a body', () => post('resolveDuplicates', {}), 400, 'keeperId'],
      ['a keeper that is also discarded', () => post('resolveDuplicates', { keeperId: catId, discardIds: [catId] }), 400, 'keeper'],
      ['nothing to discard', () => post('resolveDuplicates', { keeperId: catId, discardIds: [] }), 400, 'discardIds'],
      ['a text keeper id', () => post('resolveDuplicates', { keeperId: 'one', discardIds: [catCopy] }), 400, 'keeperId'],
      ['a repeated discard id', () => post('resolveDuplicates', { keeperId: catId, discardIds: [catCopy, catCopy] }), 400, 'repeat'],
      ['an unknown file to resolve', () => post('resolveDuplicates', { keeperId: catId, discardIds: [999_999] }), 404, '999999'],
      ['a single file to dismiss', () => post('dismissDuplicates', { fileIds: [catId] }), 400, 'fileIds'],
      ['an unknown decision', () => post('dismissDuplicates', { fileIds: [catId, coffeeId], decision: 'maybe' }), 400, 'decision must be one of not-duplicates, keep-both'],
      ['a file list that is not a list', () => post('dismissDuplicates', { fileIds: 'all' }), 400, 'fileIds'],
      ['an unknown file to dismiss', () => post('dismissDuplicates', { fileIds: [catId, 999_999] }), 404, '999999'],
      ['an injection attempt as keeper id', () => post('resolveDuplicates', { keeperId: '1; DROP TABLE files', discardIds: [catCopy] }), 400, 'keeperId'],
      ['an expression as a file id', () => post('dismissDuplicates', { fileIds: [catId, 'file_id > 0'] }), 400, 'fileIds'],
      ['NaN and Infinity as file ids', () => post('dismissDuplicates', { fileIds: [Number.NaN, Number.POSITIVE_INFINITY] }), 400, 'fileIds'],
      ['an injection attempt as content type', () => duplicates({ contentType: "api::a.a' OR 1=1 --" }), 400, 'contentType'],
    ];
    await expectClientErrors(cases);
  });
});

/** The `strapi-image-search` bin against this Strapi, with the given environment. */
const cli = (command: string, env: Record<string, string>) => {
  const { port } = strapi.server.httpServer.address() as AddressInfo;
  return promisify(execFile)(process.execPath, [CLI, command, '--url', `http://127.0.0.1:${port}`], { env: { ...process.env, ...env } });
};

describe('reconcile', () => {
  /** Events still in flight (from earlier tests) would show up as drift, a file caught between two partitions. */
  const idle = () =>
    eventually('the pipeline to be idle', async () => {
      const { data } = (await api.http.get(adminPath('status')).set('Authorization', auth())).body;
      return data.outbox.pending === 0 && data.worker.lag === 0 ? true : undefined;
    });

  it('repairs drift both ways: missing vectors are queued, misplaced ones moved, orphans deleted', async () => {
    await idle();
    const store = runtimeOf(strapi).store();
    const served = await store.serving();
    const vector = (await served.getVector(catId))!;
    const expected = (await store.indexedPartitions(catId)).get(catId);
    const orphanId = 2_000_000_000;
    await store.deleteFile(coffeeId);
    await served.replaceFileVectors(catId, [partitionForContentType('api::nowhere.nowhere')], vector, Date.now());
    await served.replaceFileVectors(orphanId, [UNATTACHED_PARTITION], vector, Date.now());

    const res = await api.http.post(adminPath('reconcile')).set('Authorization', auth());
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ queued: 1, moved: 1, orphansDeleted: 1, recent: 0 });
    expect(res.body.data.indexed).toBeGreaterThan(0);
    await api.indexed(coffeeId);
    await eventually('the misplaced vector to move back', async () => {
      const partitions = (await store.indexedPartitions(catId)).get(catId);
      return JSON.stringify(partitions) === JSON.stringify(expected) ? true : undefined;
    });
    expect(await served.getVector(orphanId, { fresh: true })).toBeNull();
  });

  it('runs one reconciliation at a time: ten at once queue each missing file once, nine get 409', async () => {
    const store = runtimeOf(strapi).store();
    await store.deleteFile(coffeeId);
    const since = new Date();
    // The run must outlast the ten requests' authentication, which a busy machine can slow past a small library's
    // whole comparison: reading the index takes a second longer here.
    const indexedPartitions = store.indexedPartitions;
    store.indexedPartitions = async (maxFileId) => {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      return indexedPartitions.call(store, maxFileId);
    };
    const answers = await Promise.all(Array.from({ length: 10 }, () => api.http.post(adminPath('reconcile')).set('Authorization', auth()))).finally(() => {
      store.indexedPartitions = indexedPartitions;
    });
    const statuses = answers.map((res) => res.status).sort();
    expect(statuses).toEqual([200, ...Array(9).fill(409)]);
    expect(answers.find((res) => res.status === 409)!.body.error.message).toContain('already running');
    expect(answers.find((res) => res.status === 200)!.body.data.queued).toBe(1);
    const queued = await strapi.db.query('plugin::image-search.outbox-event').count({
      where: { type: 'image-search.media.reindex-requested.v1', messageKey: String(coffeeId), createdAt: { $gte: since } },
    });
    expect(queued).toBe(1);
    await api.indexed(coffeeId);
  });

  it("checks another model's index on request: the one a new model's workers fill before Strapi switches to it", async () => {
    const reconcileModel = (model: unknown) => api.http.post(adminPath('reconcile')).set('Authorization', auth()).send({ model });
    expect((await reconcileModel('model; drop')).status).toBe(400);
    const missing = await reconcileModel('no_such_model');
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toContain('No index for model no_such_model');

    // What workers configured with another model create on start.
    const other = createMilvusStore(runtimeOf(strapi).config.milvus, { id: 'other_model', dim: 2048 });
    await other.ensureCollection();
    await other.close();
    const res = await reconcileModel('other_model');
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ queued: (await api.http.get(adminPath('status')).set('Authorization', auth())).body.data.library.images, indexed: 0 });
  });

  it('runs from the command line against a running Strapi, with the admin credentials from the environment', async () => {
    // The other model's reconciliation above queued every image again, and this Strapi's worker indexes them too.
    await idle();
    const { stdout } = await cli('reconcile', { STRAPI_ADMIN_EMAIL: `admin-${run}@example.com`, STRAPI_ADMIN_PASSWORD: ADMIN_PASSWORD });
    expect(JSON.parse(stdout)).toMatchObject({ queued: 0, moved: 0, orphansDeleted: 0 });
    // An admin without index.manage is refused, with the reason.
    const refused = await cli('reconcile', { STRAPI_ADMIN_EMAIL: `reader-${run}@example.com`, STRAPI_ADMIN_PASSWORD: ADMIN_PASSWORD }).catch((error: { code: number; stderr: string }) => error);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining('answered 403') });
  });
});

describe('rebuild', () => {
  it('fills a new collection while searches keep answering from the old one, then switches in one step', async () => {
    const runtime = runtimeOf(strapi);
    const status = async () => (await api.http.get(adminPath('status')).set('Authorization', auth())).body.data;
    const generations = async () => {
      const client = new MilvusClient({ address: process.env.MILVUS_ADDRESS!, logLevel: 'error' });
      const { data } = await client.showCollections();
      await client.closeConnection();
      return data.map((collection) => collection.name).filter((name) => name.startsWith(`${runtime.store().collection}__g`));
    };
    const before = await generations();
    const resultsBefore = (await api.similar(catId, { threshold: 0 })).body.data as SimilarHit[];

    // Searches run throughout; none may fail.
    const answers: Array<number | string> = [];
    let searching = true;
    const searches = (async () => {
      while (searching) {
        const res = await api.similar(catId, { threshold: 0 });
        answers.push(res.status === 200 ? 200 : `${res.status} ${res.body.error?.message}`);
      }
    })();

    // Driven from the command line, as an operator would; it returns once Strapi completed the rebuild.
    const imagesToRebuild = (await status()).library.images - (await status()).failures.count;
    let during: number;
    let output: { stdout: string; stderr: string };
    try {
      const rebuilding = cli('rebuild', { STRAPI_ADMIN_EMAIL: `admin-${run}@example.com`, STRAPI_ADMIN_PASSWORD: ADMIN_PASSWORD });
      await eventually('the rebuild to start', async () => ((await status()).rebuild.active ? true : undefined), 60_000, 100);
      // An upload during the rebuild reaches both collections.
      during = await api.upload(await resizedCopy(coffee, path.join(tmp, 'during-rebuild.jpg')));
      await api.indexed(during);
      output = await rebuilding;
    } finally {
      searching = false;
      await searches;
    }
    // The upload may land before the rebuild listed the library, and then counts among the queued.
    const queued = Number(/rebuild complete \((\d+) images queued when it started\)/.exec(output.stdout)?.[1]);
    expect([imagesToRebuild, imagesToRebuild + 1]).toContain(queued);
    expect(output.stderr).toMatch(/\] +\d+% \d+\/\d+ images/);
    expect((await status()).rebuild.active).toBe(false);

    const after = await generations();
    expect(after).toHaveLength(1);
    expect(before).not.toContain(after[0]);
    expect(answers.length).toBeGreaterThan(10);
    expect(answers.filter((answer) => answer !== 200)).toEqual([]);
    expect((await api.similar(during)).status).toBe(200);
    const resultsAfter = (await api.similar(catId, { threshold: 0 })).body.data as SimilarHit[];
    expect(ids(resultsAfter).filter((id) => id !== during)).toEqual(ids(resultsBefore));
    console.log(`rebuild: ${queued} images rebuilt; ${answers.length} searches during it, all answered 200`);
  });

  it('starts one rebuild when asked twice at once: the other request gets 409', async () => {
    const starts = await Promise.all([0, 1].map(() => api.http.post(adminPath('rebuild')).set('Authorization', auth())));
    expect(starts.map((res) => res.status).sort()).toEqual([200, 409]);
    await eventually('the rebuild to complete', async () => {
      const { data } = (await api.http.get(adminPath('status')).set('Authorization', auth())).body;
      return data.rebuild.active ? undefined : true;
    }, 120_000, 500);
  });
});

describe('permissions', () => {
  const routes: Array<[string, (authorization?: string) => Promise<{ status: number }>, 'read' | 'resolve' | 'manage']> = [
    ['GET /files/:id/similar', (a) => withAuth(api.http.get(adminPath('similarToFile', { id: catId })), a), 'read'],
    ['POST /search', (a) => withAuth(api.http.post(adminPath('similarToImage')).attach('image', cat), a), 'read'],
    ['GET /duplicates', (a) => withAuth(api.http.get(adminPath('duplicates')), a), 'read'],
    ['GET /duplicates/recent', (a) => withAuth(api.http.get(adminPath('recentDuplicates')), a), 'read'],
    ['GET /duplicates/pair', (a) => withAuth(api.http.get(adminPath('duplicatePair')).query({ a: catId, b: coffeeId }), a), 'read'],
    ['POST /reconcile', (a) => withAuth(api.http.post(adminPath('reconcile')), a), 'manage'],
    ['POST /rebuild', (a) => withAuth(api.http.post(adminPath('rebuild')), a), 'manage'],
    ['POST /duplicates/scan', (a) => withAuth(api.http.post(adminPath('scanDuplicates')), a), 'manage'],
    ['GET /status', (a) => withAuth(api.http.get(adminPath('status')), a), 'read'],
    ['POST /duplicates/resolve', (a) => withAuth(api.http.post(adminPath('resolveDuplicates')).send({ keeperId: catId, discardIds: [catCopy] }), a), 'resolve'],
    ['POST /duplicates/dismiss', (a) => withAuth(api.http.post(adminPath('dismissDuplicates')).send({ fileIds: [catId, coffeeId] }), a), 'resolve'],
  ];
  const withAuth = <T extends { set(name: string, value: string): T }>(req: T, authorization?: string) => (authorization ? req.set('Authorization', authorization) : req);

  it.each(routes.map(([name, send, action]) => [name, send, action] as const))('%s: 401 without auth, 403 without the action', async (_, send, action) => {
    expect((await send()).status).toBe(401);
    expect((await send(`Bearer ${editorJwt}`)).status).toBe(403);
    // A role with "read" only may look, not resolve or reconcile.
    expect((await send(`Bearer ${readerJwt}`)).status).toBe(action === 'read' ? 200 : 403);
  });
});
