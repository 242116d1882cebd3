import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Core } from '@strapi/strapi';
import type { SimilarHit } from '../../server/src/contracts/http';
import { getService } from '../../server/src/utils/get-service';
import { ids, pluginApi } from '../helpers/api';
import { resizedCopy, samplePhotos } from '../helpers/photos';
import { eventually, serviceEnv } from '../helpers/services';
import { PLAYGROUND_DIR, bootStrapi, createAdmin, createApiToken } from '../helpers/strapi';

/**
 * Strapi with worker.inProcess=false only records and publishes; a separate `strapi-image-search worker` process,
 * started from the compiled bin, does the indexing.
 */

const CLI = path.resolve(__dirname, '../../dist/server/src/cli.js');
const run = `sw${Date.now().toString(36)}`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'image-search-sw-'));
const services = serviceEnv();
let strapi: Core.Strapi;
let api: ReturnType<typeof pluginApi>;
let worker: ChildProcess;
let workerLog = '';

const pluginConfig = {
  kafka: { brokers: services.KAFKA_BROKERS.split(','), topic: `image-search.${run}`, indexTopic: `image-search.${run}.index`, deadLetterTopic: `image-search.${run}.dlq` },
  milvus: { address: services.MILVUS_ADDRESS, collectionPrefix: `image_search_${run}` },
  worker: { groupId: `indexer-${run}`, publicDir: path.join(PLAYGROUND_DIR, 'public') },
};

beforeAll(async () => {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` (npm test does)`);
  strapi = await bootStrapi({
    ...services,
    DATABASE_FILENAME: path.join(tmp, 'data.db'),
    IMAGE_SEARCH_TOPIC: pluginConfig.kafka.topic,
    IMAGE_SEARCH_INDEX_TOPIC: pluginConfig.kafka.indexTopic,
    IMAGE_SEARCH_DEAD_LETTER_TOPIC: pluginConfig.kafka.deadLetterTopic,
    IMAGE_SEARCH_COLLECTION_PREFIX: pluginConfig.milvus.collectionPrefix,
    IMAGE_SEARCH_GROUP_ID: pluginConfig.worker.groupId,
    IMAGE_SEARCH_IN_PROCESS_WORKER: 'false',
  });
  const adminJwt = await createAdmin(strapi, 'strapi-super-admin', `admin-${run}@example.com`);
  api = pluginApi(strapi, { adminJwt, apiToken: await createApiToken(strapi, `full-${run}`, 'full-access') });

  fs.writeFileSync(configFile, JSON.stringify(pluginConfig));
  worker = startWorker();
});

const configFile = path.join(tmp, 'worker.json');

function startWorker(): ChildProcess {
  const child = spawn(process.execPath, [CLI, 'worker', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk) => (workerLog += chunk));
  child.stderr!.on('data', (chunk) => (workerLog += chunk));
  return child;
}

afterAll(async () => {
  if (worker && worker.exitCode === null) worker.kill('SIGKILL');
  await strapi?.destroy();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('a standalone worker process', () => {
  const [photo, other] = samplePhotos(['skimage-chelsea.png', 'skimage-rocket.jpg']);

  it('indexes what Strapi publishes, while Strapi itself runs no worker', async () => {
    const status = await api.http.get('/image-search/status').set('Authorization', api.adminAuth);
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
    expect(workerLog).toContain(`consuming ${pluginConfig.kafka.topic} as group ${pluginConfig.worker.groupId}`);
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));
    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(workerLog).toContain('SIGTERM');
  });

  it('replays the whole media topic without changing the index', async () => {
    const store = getService(strapi, 'pipeline').store();
    const maxId = Number((await strapi.db.query('plugin::upload.file').findOne({ orderBy: { id: 'desc' }, select: ['id'] })).id);
    const before = await store.stats(maxId);
    const searched = async () => (await api.similar(before.fileIds.values().next().value!, { threshold: 0 })).body.data as SimilarHit[];
    const resultsBefore = await searched();

    // The group is idle (its worker stopped above): rewind it to the first message of the topic.
    const { Kafka, logLevel } = await import('kafkajs');
    const admin = new Kafka({ brokers: pluginConfig.kafka.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(pluginConfig.kafka.topic);
    const produced = ends.reduce((sum, end) => sum + Number(end.high) - Number(end.low), 0);
    await admin.resetOffsets({ groupId: pluginConfig.worker.groupId, topic: pluginConfig.kafka.topic, earliest: true });
    await admin.disconnect();

    const started = Date.now();
    worker = startWorker();
    await eventually('the replay to be consumed', async () => {
      const { body } = await api.http.get('/image-search/status').set('Authorization', api.adminAuth);
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
