import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Core } from '@strapi/strapi';
import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import sharp from 'sharp';
import { runDoctor } from '../../server/src/cli/doctor';
import { configFromEnv } from '../../server/src/config/env';
import type { DuplicateGroup, IndexStatus, SimilarHit } from '../../server/src/contracts/http';
import { adminPath } from '../../server/src/contracts/routes';
import { projectionsCollection } from '../../server/src/vector-store/projections';
import { ids, pluginApi } from '../helpers/api';
import { PHOTOS_DIR, resizedCopy } from '../helpers/photos';
import { appEnv, eventually } from '../helpers/services';
import { bootStrapi, createAdmin, createApiToken } from '../helpers/strapi';

/**
 * The index learns its whitening from the library (whitening/learn.ts): a rebuild samples the library's images,
 * edits them the project's own ways, learns a 512-d space in Strapi's model process, builds the new collection in
 * it and switches. Searches, the duplicate decision and the worker's writes then all run in that space.
 */

const run = `wh${Date.now().toString(36)}`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'image-search-whitening-'));
const LIBRARY = 24;
let strapi: Core.Strapi;
let api: ReturnType<typeof pluginApi>;
/** Each sample photo's id, and its copies' ids. */
const photos: Array<{ original: number; copies: number[] }> = [];

const status = async (): Promise<IndexStatus> => (await api.http.get(adminPath('status')).set('Authorization', api.adminAuth)).body.data;

/** A centre crop of 70%: a copy that keeps most of the picture. */
async function croppedCopy(source: string, target: string): Promise<string> {
  const { width = 0, height = 0 } = await sharp(source).metadata();
  const [w, h] = [Math.round(width * 0.7), Math.round(height * 0.7)];
  await sharp(source).extract({ left: Math.round((width - w) / 2), top: Math.round((height - h) / 2), width: w, height: h }).jpeg({ quality: 85 }).toFile(target);
  return target;
}

beforeAll(async () => {
  strapi = await bootStrapi({ ...appEnv(run, tmp), IMAGE_SEARCH_WHITENING_MIN_IMAGES: '20', IMAGE_SEARCH_WHITENING_SAMPLE_SIZE: String(LIBRARY) });
  const adminJwt = await createAdmin(strapi, 'strapi-super-admin', `admin-${run}@example.com`);
  api = pluginApi(strapi, { adminJwt, apiToken: await createApiToken(strapi, `full-${run}`, 'full-access') });
  for (const name of fs.readdirSync(PHOTOS_DIR).sort()) {
    const file = path.join(PHOTOS_DIR, name);
    const stem = name.replace(/\.\w+$/, '');
    const original = await api.upload(file);
    const copies = [await api.upload(await resizedCopy(file, path.join(tmp, `${stem}-small.jpg`))), await api.upload(await croppedCopy(file, path.join(tmp, `${stem}-crop.jpg`)))];
    photos.push({ original, copies });
  }
  for (const { original, copies } of photos) for (const id of [original, ...copies]) await api.indexed(id);
}, 300_000);

afterAll(async () => {
  await strapi?.destroy();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('learned whitening', () => {
  it('starts in the model\'s own space, then a rebuild learns a 512-d space from the library and switches to it', async () => {
    const before = await status();
    expect(before.library.images).toBe(LIBRARY);
    expect(before.index).toMatchObject({ reachable: true, space: { id: 'identity', dim: 2048, learnedFrom: null, thresholds: { duplicate: 0.7, search: 0.45 } } });

    const started = await api.http.post(adminPath('rebuild')).set('Authorization', api.adminAuth);
    expect(started.status).toBe(200);
    expect(started.body.data).toEqual({ queued: 0, learning: true });
    const learning = await eventually('the fit to report progress', async () => ((await status()).rebuild as { learning?: object }).learning ?? undefined, 60_000, 200);
    expect(learning).toMatchObject({ total: LIBRARY });
    await eventually('the rebuild to complete', async () => ((await status()).rebuild.active ? undefined : true), 240_000, 500);

    const after = await status();
    expect(after.whitening).toMatchObject({ state: 'learned', done: LIBRARY, total: LIBRARY });
    if (!after.index.reachable) throw new Error('Milvus is unreachable');
    expect(after.index.space).toMatchObject({ id: expect.stringMatching(/^w[0-9a-f]{12}$/), dim: 512, learnedFrom: LIBRARY });
    // Calibrated on the images it did not fit, per fold: its own, not the model's 0.70 and 0.45.
    expect(after.index.space.thresholds).not.toEqual(before.index.reachable && before.index.space.thresholds);
    expect(after.index.files).toBe(LIBRARY);

    // The projection is kept in Milvus beside the index, which names its space: a standalone worker finds both.
    const milvus = new MilvusClient({ address: process.env.MILVUS_ADDRESS! });
    const described = await milvus.describeCollection({ collection_name: after.index.collection });
    expect(described.schema.description).toContain(`space ${after.index.space.id}`);
    const rows = await milvus.query({ collection_name: projectionsCollection(`image_search_${run}`, after.model), expr: 'row >= -1', output_fields: ['projection'], limit: 2000 });
    expect(rows.data).toHaveLength(513);
    expect(new Set(rows.data.map((row) => row.projection))).toEqual(new Set([after.index.space.id]));
    await milvus.closeConnection();
    // A worker's doctor checks the collection against its space, not the model's 2048 dimensions.
    const { collection, space } = after.index;
    const findings = await runDoctor(configFromEnv(appEnv(run, tmp)), 'the environment');
    expect(findings.find((finding) => finding.check === `collection ${collection}`)).toMatchObject({
      ok: true,
      detail: `512-d vectors, whitened (${space.id}, learned from ${LIBRARY} images)`,
    });
  });

  it('finds each photo\'s copies first in the learned space', async () => {
    for (const { original, copies } of photos) {
      const res = await api.similar(original, { threshold: 0 });
      expect(res.status).toBe(200);
      expect(new Set(ids(res.body.data as SimilarHit[]).slice(0, 2))).toEqual(new Set(copies));
    }
  });

  it('rebuilds the duplicate graph in the new space: each photo with its copies, none mixed', async () => {
    const scan = await api.http.post(adminPath('scanDuplicates')).set('Authorization', api.adminAuth);
    expect(scan.status).toBe(200);
    await eventually('the duplicate scan to complete', async () => ((await status()).duplicateScan.state === 'complete' ? true : undefined), 120_000, 500);
    const res = await api.http.get(adminPath('duplicates')).query({ pageSize: 50 }).set('Authorization', api.adminAuth);
    expect(res.status).toBe(200);
    const groups = (res.body.data as DuplicateGroup[]).map((group) => new Set(group.files.map((file) => file.id)));
    for (const group of groups) expect(photos.some(({ original, copies }) => [...group].every((id) => [original, ...copies].includes(id)))).toBe(true);
    // The resized copies at least: a crop of a smooth photo may stay below verification.
    const grouped = new Set(groups.flatMap((group) => [...group]));
    expect(photos.filter(({ original, copies }) => grouped.has(original) && grouped.has(copies[0])).length).toBeGreaterThanOrEqual(photos.length - 1);
    const { index } = await status();
    expect(res.body.meta.mergeThreshold).toBe(index.reachable && index.space.thresholds.duplicate);
  });

  it('writes files uploaded after the switch in the learned space', async () => {
    const [{ original }] = photos;
    const source = path.join(PHOTOS_DIR, fs.readdirSync(PHOTOS_DIR).sort()[0]);
    const late = await api.upload(await resizedCopy(source, path.join(tmp, 'late-copy.jpg')));
    await api.indexed(late);
    const res = await api.similar(late, { threshold: 0 });
    expect(ids(res.body.data as SimilarHit[]).slice(0, 3)).toContain(original);
  });
});
