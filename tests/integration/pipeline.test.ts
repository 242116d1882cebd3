import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Core } from '@strapi/strapi';
import sharp from 'sharp';
import type { SimilarHit } from '../../server/src/contracts/http';
import { runtimeOf } from '../../server/src/runtime/runtime';
import { ids, pluginApi } from '../helpers/api';
import { PLAYGROUND_DIR, bootStrapi, createAdmin, createApiToken } from '../helpers/strapi';
import { appEnv, eventually, median, serviceEnv } from '../helpers/services';
import { resizedCopy, samplePhotos } from '../helpers/photos';
import { plainBmpBomb } from '../helpers/bombs';
import { adminPath, contentApiPath, contentApiPermission } from '../../server/src/contracts/routes';

/**
 * The whole pipeline on real components: upload -> outbox -> Kafka -> in-process worker (sharp + tfjs ResNet50)
 * -> Milvus -> "find similar", through the admin and content-API routes.
 */

const run = `it${Date.now().toString(36)}`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'image-search-it-'));
let strapi: Core.Strapi;
let api: ReturnType<typeof pluginApi>;
let adminJwt: string;
let fullToken: string;

const cosine = (a: number[], b: number[]) => a.reduce((sum, value, i) => sum + value * b[i], 0);

let originals: number[];
let tooLarge: number;
const cli = path.resolve(__dirname, '../../dist/server/src/cli/main.js');
let copyOfFirst: number;
// Four distinct subjects: a person, a cat, a coffee cup, a rocket launch.
const photos = samplePhotos(['skimage-astronaut.png', 'skimage-chelsea.png', 'skimage-coffee.png', 'skimage-rocket.jpg']);

beforeAll(async () => {
  strapi = await bootStrapi({
    ...appEnv(run, tmp),
    // Every test photo is smaller; a bigger image stands for a decompression bomb.
    IMAGE_SEARCH_MAX_INPUT_PIXELS: '1000000',
  });
  adminJwt = await createAdmin(strapi, 'strapi-super-admin', `admin-${run}@example.com`);
  fullToken = await createApiToken(strapi, `full-${run}`, 'full-access');
  api = pluginApi(strapi, { adminJwt, apiToken: fullToken });
});

afterAll(async () => {
  await strapi?.destroy();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('upload -> index -> find similar', () => {
  it('indexes uploaded photos within seconds', async () => {
    originals = [];
    for (const photo of photos.slice(0, 3)) originals.push(await api.upload(photo));
    copyOfFirst = await api.upload(await resizedCopy(photos[0], path.join(tmp, 'copy-of-first.jpg')));
    for (const id of [...originals, copyOfFirst]) await api.indexed(id);
  });

  it("finds a resized, re-encoded copy's original first, well above the other photos", async () => {
    const res = await api.similar(copyOfFirst);
    expect(res.status).toBe(200);
    const hits: SimilarHit[] = res.body.data;
    expect(ids(hits)).not.toContain(copyOfFirst);
    expect(hits[0].file.id).toBe(originals[0]);
    expect(hits[0].similarity).toBeGreaterThan(0.9);
    expect(hits[0].similarity).toBeLessThanOrEqual(1);
    for (const other of hits.slice(1)) expect(other.similarity).toBeLessThan(hits[0].similarity - 0.1);
    expect(hits[0].file).toEqual(
      expect.objectContaining({ id: originals[0], documentId: expect.any(String), name: path.basename(photos[0]), mime: expect.stringMatching(/^image\//) })
    );
    expect(hits[0].file.width).toBeGreaterThan(0);
    expect(hits[0].file.url).toMatch(/^\/uploads\//);
  });

  it('indexes exactly the vector the embed command computes for the same file', async () => {
    // The bytes Strapi stored: its upload plugin re-encodes images it optimizes.
    const { url } = await strapi.db.query('plugin::upload.file').findOne({ where: { id: originals[1] } });
    const stored = path.join(PLAYGROUND_DIR, 'public', url);
    const output = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [cli, 'embed', stored], { maxBuffer: 1 << 24 }, (error, stdout) => (error ? reject(error) : resolve(stdout)))
    );
    const { vector } = JSON.parse(output);
    const indexed = await (await runtimeOf(strapi).store().serving()).getVector(originals[1]);
    expect(vector).toHaveLength(2048);
    expect(cosine(vector, indexed!)).toBeGreaterThan(0.9999);
  });

  it('pages through results without overlap and says when more exist', async () => {
    const pages = [];
    for (const page of [1, 2, 3]) pages.push((await api.similar(copyOfFirst, { page, pageSize: 1, threshold: 0 })).body);
    const seen = pages.flatMap((body) => ids(body.data));
    expect(seen).toHaveLength(3);
    expect(new Set(seen).size).toBe(3);
    expect(pages.map((body) => body.meta.pagination.hasMore)).toEqual([true, true, false]);
    expect((await api.similar(copyOfFirst, { page: 4, pageSize: 1, threshold: 0 })).body.data).toEqual([]);
  });

  it('cuts results under the threshold', async () => {
    const byDefault = await api.similar(copyOfFirst);
    expect(byDefault.body.meta.threshold).toBe(0.45);
    expect(byDefault.body.data.every((hit: SimilarHit) => hit.similarity >= 0.45)).toBe(true);
    const all: SimilarHit[] = (await api.similar(copyOfFirst, { threshold: 0 })).body.data;
    const threshold = (all[0].similarity + all[1].similarity) / 2;
    const cut = await api.similar(copyOfFirst, { threshold });
    expect(ids(cut.body.data)).toEqual([originals[0]]);
    expect(cut.body.meta.threshold).toBeCloseTo(threshold);
  });

  it('scopes a search to the partitions of the content types using the files', async () => {
    await strapi.documents('api::article.article').create({ data: { title: 'With the first photo', cover: originals[0] } as never });
    await strapi.documents('api::page.page').create({ data: { title: 'With the second photo', hero: originals[1] } as never });
    const inArticles = await eventually('the article partition to hold the first photo', async () => {
      const res = await api.similar(copyOfFirst, { contentType: 'api::article.article', threshold: 0 });
      return ids(res.body.data ?? []).includes(originals[0]) ? (res.body.data as SimilarHit[]) : undefined;
    });
    expect(ids(inArticles)).toEqual([originals[0]]);
    const inPages = await eventually('the page partition to hold the second photo', async () => {
      const res = await api.similar(copyOfFirst, { contentType: 'api::page.page', threshold: 0 });
      return ids(res.body.data ?? []).includes(originals[1]) ? (res.body.data as SimilarHit[]) : undefined;
    });
    expect(ids(inPages)).toEqual([originals[1]]);
    // Across the whole library each file appears once, though the first photo now has rows in two partitions.
    const everywhere: SimilarHit[] = (await api.similar(copyOfFirst, { threshold: 0 })).body.data;
    expect(new Set(ids(everywhere)).size).toBe(everywhere.length);
  });

  it('counts media inside components and dynamic zones for the content type that holds them', async () => {
    const coffee = originals[2];
    const inPartition = (contentType: string) =>
      eventually(`file ${coffee} to reach the ${contentType} partition`, async () => {
        const res = await api.similar(copyOfFirst, { contentType, threshold: 0 });
        return ids(res.body.data ?? []).includes(coffee) ? true : undefined;
      });
    // A component field of an article, and a block of a page's dynamic zone.
    await strapi.documents('api::article.article').create({ data: { title: 'SEO only', seo: { metaTitle: 'Coffee', shareImage: coffee } } as never });
    await inPartition('api::article.article');
    const page = await strapi
      .documents('api::page.page')
      .create({ data: { title: 'Blocks', blocks: [{ __component: 'blocks.image-block', caption: 'Coffee', image: coffee }] } as never });
    await inPartition('api::page.page');
    // Emptying the dynamic zone detaches the file from pages again.
    await strapi.documents('api::page.page').update({ documentId: page.documentId, data: { blocks: [] } as never });
    await eventually(`file ${coffee} to leave the page partition`, async () => {
      const res = await api.similar(copyOfFirst, { contentType: 'api::page.page', threshold: 0 });
      return res.status === 200 && !ids(res.body.data).includes(coffee) ? true : undefined;
    });
  });

  it('serves the content API to an API token allowed to search, and refuses others', async () => {
    const contentApi = (token?: string) => {
      const req = api.http.get(contentApiPath('similarToFile', { id: copyOfFirst }));
      return token ? req.set('Authorization', `Bearer ${token}`) : req;
    };
    // A site that may list the Media Library sees every file (access.test.ts covers the narrower tokens).
    const allowed = await createApiToken(strapi, `search-${run}`, 'custom', [contentApiPermission('similarToFile'), 'plugin::upload.content-api.find']);
    const readOnly = await createApiToken(strapi, `read-only-${run}`, 'read-only');
    const res = await contentApi(allowed);
    expect(res.status).toBe(200);
    expect(res.body.data[0].file.id).toBe(originals[0]);
    expect((await contentApi(fullToken)).status).toBe(200);
    expect((await contentApi(readOnly)).status).toBe(403);
    expect((await contentApi()).status).toBe(403);
  });

  it('guards the admin route: no auth 401, an editor without the action 403', async () => {
    expect((await api.http.get(adminPath('similarToFile', { id: copyOfFirst }))).status).toBe(401);
    const editorJwt = await createAdmin(strapi, 'strapi-editor', `editor-${run}@example.com`);
    expect((await api.similar(copyOfFirst, {}, `Bearer ${editorJwt}`)).status).toBe(403);
  });

  it('answers bad input with 400 naming the parameter, and unknown files with 404', async () => {
    const bad = async (query: Record<string, string>, param: string) => {
      const res = await api.similar(copyOfFirst, query);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain(param);
    };
    await bad({ pageSize: '1000' }, 'pageSize');
    await bad({ page: '0' }, 'page');
    await bad({ threshold: '1.5' }, 'threshold');
    await bad({ contentType: 'api::nope.nope' }, 'contentType');
    await bad({ bogus: '1' }, 'bogus');
    // Numbers that are not numbers, or not usable ones.
    await bad({ threshold: 'NaN' }, 'threshold');
    await bad({ threshold: 'Infinity' }, 'threshold');
    await bad({ threshold: '-0.1' }, 'threshold');
    await bad({ page: 'Infinity' }, 'page');
    await bad({ page: '1e9' }, 'page');
    await bad({ pageSize: '-5' }, 'pageSize');
    await bad({ pageSize: '2.5' }, 'pageSize');
    await bad({ pageSize: 'twenty' }, 'pageSize');
    // Injection attempts in every string that could reach a database query or a Milvus filter expression.
    await bad({ contentType: "api::article.article' OR '1'='1" }, 'contentType');
    await bad({ contentType: 'api::article.article"] || file_id > 0 || ["x' }, 'contentType');
    await bad({ contentType: 'api::article.article; DROP TABLE files' }, 'contentType');
    await bad({ mime: 'image/png" || file_id >= 0 || "' }, 'mime');
    await bad({ mime: "image/png' OR 1=1 --" }, 'mime');
    expect((await api.similar(999_999)).status).toBe(404);
    for (const id of ['abc', '-1', '0', '1.5', '1e400', encodeURIComponent('1 OR 1=1'), encodeURIComponent('1 || file_id > 0')]) {
      const res = await api.http.get(adminPath('similarToFile', { id: id })).set('Authorization', `Bearer ${adminJwt}`);
      expect({ id, status: res.status }).toEqual({ id, status: 400 });
      expect(res.body.error.message).toContain('id');
    }
    // The server is still up and answering.
    expect((await api.similar(copyOfFirst)).status).toBe(200);
  });

  it('re-indexes a replaced binary from its new bytes', async () => {
    const target = originals[2];
    const res = await api.http.post(`/api/upload?id=${target}`).set('Authorization', `Bearer ${fullToken}`).attach('files', photos[3]);
    expect(res.status).toBe(200);
    // The copy of the first photo is unrelated to the fourth photo: once re-indexed, the target looks like the fourth.
    const fourth = await api.upload(photos[3]);
    await api.indexed(fourth);
    const top = await eventually('the replaced file to match its new bytes', async () => {
      const hits: SimilarHit[] = (await api.similar(fourth)).body.data;
      return hits[0]?.file.id === target && hits[0].similarity > 0.98 ? hits[0] : undefined;
    });
    expect(top.similarity).toBeGreaterThan(0.98);
  });

  it('removes a deleted file from results', async () => {
    const victim = originals[0];
    const res = await api.http.delete(`/api/upload/files/${victim}`).set('Authorization', `Bearer ${fullToken}`);
    expect(res.status).toBe(200);
    await eventually('the deleted file to leave the index', async () => {
      const hits: SimilarHit[] = (await api.similar(copyOfFirst)).body.data;
      return ids(hits).includes(victim) ? undefined : true;
    });
    const { body } = await api.similar(copyOfFirst, { pageSize: 100 });
    expect(ids(body.data)).not.toContain(victim);
  });

  it('reports the index status', async () => {
    const status = await eventually('every image to be indexed', async () => {
      const res = await api.http.get(adminPath('status')).set('Authorization', `Bearer ${adminJwt}`);
      expect(res.status).toBe(200);
      const { index, library, worker } = res.body.data;
      return index.files === library.images && worker.lag === 0 ? res.body.data : undefined;
    });
    expect(status).toMatchObject({
      model: 'resnet50_gem_rmac',
      index: { reachable: true, pending: 0 },
      outbox: { pending: 0 },
      worker: { inProcess: true, running: true, lag: 0 },
    });
    expect(status.library.images).toBe(4);
  });

  it('measures upload -> searchable latency (median of 10)', async () => {
    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      const file = await resizedCopy(photos[i % photos.length], path.join(tmp, `latency-${i}.jpg`));
      const started = Date.now();
      const id = await api.upload(file);
      await api.indexed(id);
      latencies.push(Date.now() - started);
    }
    console.log(`upload -> searchable latency: median ${median(latencies)} ms, min ${Math.min(...latencies)} ms, max ${Math.max(...latencies)} ms`);
    expect(median(latencies)).toBeLessThan(30_000);
  });

  it("indexes a camera photo from Strapi's medium format, oriented as its original's EXIF tag says", async () => {
    // Stored on its side with orientation 6, as cameras do. Without size optimization Strapi keeps the original as
    // sent, tag included, and makes its formats from those pixels without the tag. Over this test's pixel limit: the
    // original is read for its hash and header, never decoded.
    const upright = await sharp(photos[3]).resize(1600, 1200, { fit: 'fill' }).jpeg().toBuffer();
    const sideways = path.join(tmp, 'sideways.jpg');
    await sharp(upright).rotate(270).withMetadata({ orientation: 6 }).jpeg().toFile(sideways);
    const uploadSettings = (settings: Record<string, boolean>) => api.http.put('/upload/settings').set('Authorization', api.adminAuth).send(settings).expect(200);
    await uploadSettings({ responsiveDimensions: true, sizeOptimization: false, autoOrientation: false });
    const info = jest.spyOn(strapi.log, 'info');
    try {
      const id = await api.upload(sideways);
      await api.indexed(id);
      expect(info.mock.calls.map(([line]) => String(line))).toContainEqual(expect.stringMatching(new RegExp(`file ${id}: indexed from its medium format`)));
      const { url } = await strapi.db.query('plugin::upload.file').findOne({ where: { id } });
      expect((await sharp(path.join(PLAYGROUND_DIR, 'public', url)).metadata()).orientation).toBe(6);
      const query = await sharp(upright).resize(800).jpeg().toBuffer();
      const res = await api.http.post(adminPath('similarToImage')).query({ pageSize: 5, threshold: 0 }).set('Authorization', api.adminAuth).attach('image', query, 'upright.jpg');
      expect(res.status).toBe(200);
      const hits: SimilarHit[] = res.body.data;
      console.log(`upright query against the sideways upload: ${hits.map((hit) => `${hit.file.id} ${hit.similarity.toFixed(3)}`).join(', ')}`);
      expect(hits[0]).toMatchObject({ file: { id } });
      expect(hits[0].similarity).toBeGreaterThan(0.95);
    } finally {
      info.mockRestore();
      await uploadSettings({ responsiveDimensions: true, sizeOptimization: true, autoOrientation: false });
    }
  });
});

describe('files that cannot be indexed', () => {
  it('records why, shows it in the status, and answers a search for one with the reason', async () => {
    // Strapi accepts it and makes no smaller format of a BMP; the plugin's pixel limit (1 megapixel here) refuses it.
    const large = path.join(tmp, 'large.bmp');
    fs.writeFileSync(large, plainBmpBomb(1200));
    const id = await api.upload(large);
    const res = await eventually('the failure to be recorded', async () => {
      const answer = await api.similar(id);
      return answer.status === 422 ? answer : undefined;
    });
    expect(res.body.error.message).toBe(`File ${id} cannot be indexed: the image has more pixels than the limit of 1,000,000`);
    const status = (await api.http.get(adminPath('status')).set('Authorization', api.adminAuth)).body.data;
    expect(status.failures.count).toBe(1);
    expect(status.failures.recent[0]).toMatchObject({ fileId: id, name: 'large.bmp', reason: expect.stringContaining('limit of 1,000,000') });
    tooLarge = id;
  });

  it('keeps the event in the dead-letter topic, and the redrive command sends it back for another attempt', async () => {
    const first = await deadLettersOf(tooLarge, 1);
    expect(first[0].headers).toMatchObject({ 'x-image-search-attempts': '1', 'x-image-search-error': expect.stringContaining('limit of 1,000,000') });
    expect(JSON.parse(first[0].value).data.file.id).toBe(tooLarge);

    const config = path.join(tmp, 'redrive.json');
    fs.writeFileSync(config, JSON.stringify({ kafka: { brokers: serviceEnv().KAFKA_BROKERS.split(','), topic: `image-search.${run}`, deadLetterTopic: `image-search.${run}.dlq` }, milvus: { address: serviceEnv().MILVUS_ADDRESS }, worker: { groupId: `indexer-${run}` } }));
    const output = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [cli, 'redrive', '--config', config], (error, stdout) => (error ? reject(error) : resolve(stdout)))
    );
    expect(output).toContain('re-drove 1 dead letter(s)');
    // The cause is still there: the worker fails it again, and the second dead letter counts two attempts.
    const again = await deadLettersOf(tooLarge, 2);
    expect(again[1].headers['x-image-search-attempts']).toBe('2');
    // Re-driving again finds nothing new but that second letter.
    const second = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [cli, 'redrive', '--config', config], (error, stdout) => (error ? reject(error) : resolve(stdout)))
    );
    expect(second).toContain('re-drove 1 dead letter(s)');
  });
});

/** The dead letters of one file, read from the start of the run's dead-letter topic, once `count` are there. */
async function deadLettersOf(fileId: number, count: number): Promise<Array<{ value: string; headers: Record<string, string> }>> {
  const { Kafka, logLevel } = await import('kafkajs');
  const kafka = new Kafka({ brokers: serviceEnv().KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `dlq-reader-${run}-${Date.now()}`, maxWaitTimeInMs: 500 });
  const letters: Array<{ value: string; headers: Record<string, string> }> = [];
  await consumer.connect();
  await consumer.subscribe({ topic: `image-search.${run}.dlq`, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (message.key?.toString() !== String(fileId)) return;
      letters.push({ value: message.value!.toString(), headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])) });
    },
  });
  try {
    await eventually(`${count} dead letter(s) for file ${fileId}`, async () => (letters.length >= count ? true : undefined), 60_000);
    return letters;
  } finally {
    await consumer.disconnect();
  }
}
