import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Core } from '@strapi/strapi';
import type { SimilarHit } from '../../server/src/contracts/http';
import { runtimeOf } from '../../server/src/runtime/runtime';
import { ids, pluginApi } from '../helpers/api';
import { resizedCopy, samplePhotos } from '../helpers/photos';
import { appEnv, eventually } from '../helpers/services';
import { bootStrapi, createAdmin, createApiToken } from '../helpers/strapi';
import { startWorkerProcess, writeWorkerConfig, type WorkerProcess } from '../helpers/worker-process';
import { adminPath } from '../../server/src/contracts/routes';

/**
 * Strapi with worker.inProcess=false only records and publishes; a separate `strapi-image-search worker` process,
 * started from the compiled bin, does the indexing.
 */

const run = `sw${Date.now().toString(36)}`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'image-search-sw-'));
const env: Record<string, string> = { ...appEnv(run, tmp), IMAGE_SEARCH_IN_PROCESS_WORKER: 'false' };
const configFile = path.join(tmp, 'worker.json');
let strapi: Core.Strapi;
let api: ReturnType<typeof pluginApi>;
let worker: WorkerProcess;

beforeAll(async () => {
  strapi = await bootStrapi(env);
  const adminJwt = await createAdmin(strapi, 'strapi-super-admin', `admin-${run}@example.com`);
  api = pluginApi(strapi, { adminJwt, apiToken: await createApiToken(strapi, `full-${run}`, 'full-access') });
  worker = startWorkerProcess(writeWorkerConfig(env, configFile));
});

afterAll(async () => {
  await worker?.kill('SIGKILL');
  await strapi?.destroy();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('a standalone worker process', () => {
  const [photo, other] = samplePhotos(['skimage-chelsea.png', 'skimage-rocket.jpg']);

  it('indexes what Strapi publishes, while Strapi itself runs no worker', async () => {
    const status = await api.http.get(adminPath('status')).set('Authorization', api.adminAuth);
    expect(status.body.data.worker).toMatchObject({ inProcess: false, running: false });

    const original = await api.upload(photo);
    await api.upload(other);
    const copy = await api.upload(await resizedCopy(photo, path.join(tmp, 'copy.jpg')));
    await api.indexed(copy, 120_000);
    const hits: SimilarHit[] = await eventually('all three files to be searchable', async () => {
      const res = await api.similar(copy, { threshold: 0 });
      return res.status === 200 && res.body.data.length === 2 ? res.body.data : undefined;
    });
    expect(ids(hits)[0]).toBe(original);
    expect(hits[0].similarity).toBeGreaterThan(0.9);
    expect(worker.log()).toContain(`consuming ${env.IMAGE_SEARCH_TOPIC} as group ${env.IMAGE_SEARCH_GROUP_ID}`);
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(await worker.kill('SIGTERM')).toBe(0);
    expect(worker.log()).toContain('SIGTERM');
  });

  it('replays the whole media topic without changing the index', async () => {
    const store = runtimeOf(strapi).store();
    const maxId = Number((await strapi.db.query('plugin::upload.file').findOne({ orderBy: { id: 'desc' }, select: ['id'] })).id);
    const before = await store.stats(maxId);
    const searched = async () => (await api.similar(before.fileIds.values().next().value!, { threshold: 0 })).body.data as SimilarHit[];
    const resultsBefore = await searched();

    // The group is idle (its worker stopped above): rewind it to the first message of the topic.
    const { Kafka, logLevel } = await import('kafkajs');
    const admin = new Kafka({ brokers: env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(env.IMAGE_SEARCH_TOPIC);
    const produced = ends.reduce((sum, end) => sum + Number(end.high) - Number(end.low), 0);
    await admin.resetOffsets({ groupId: env.IMAGE_SEARCH_GROUP_ID, topic: env.IMAGE_SEARCH_TOPIC, earliest: true });
    await admin.disconnect();

    const started = Date.now();
    worker = startWorkerProcess(configFile);
    await eventually('the replay to be consumed', async () => {
      const { body } = await api.http.get(adminPath('status')).set('Authorization', api.adminAuth);
      return body.data.worker.lag === 0 ? true : undefined;
    }, 120_000, 500);
    const after = await store.stats(maxId);
    console.log(`replay: ${produced} media events replayed in ${Date.now() - started} ms; rows ${before.vectors} -> ${after.vectors}`);
    expect(after.vectors).toBe(before.vectors);
    expect([...after.fileIds].sort()).toEqual([...before.fileIds].sort());
    const resultsAfter = await searched();
    expect(resultsAfter.map((hit) => hit.file.id)).toEqual(resultsBefore.map((hit) => hit.file.id));
    resultsAfter.forEach((hit, i) => expect(hit.similarity).toBeCloseTo(resultsBefore[i].similarity, 5));
  });
});
