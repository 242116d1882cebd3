import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Core } from '@strapi/strapi';
import { DECISION_EVENT_TYPES, decisionEventSchema, mediaEventSchema, parseEvent } from '../../server/src/contracts/events';
import { OUTBOX_UID } from '../../server/src/content-types';
import { indexStateGroupId } from '../../server/src/capture/index-state-tracker';
import { LAG_ANSWER_MS } from '../../server/src/messaging/client';
import { adminPath } from '../../server/src/contracts/routes';
import { runtimeOf } from '../../server/src/runtime/runtime';
import { mapConcurrently } from '../../server/src/utils/map-concurrently';
import { pluginApi } from '../helpers/api';
import { committedOffsets, controlService, faultFigures, generatedImages, groupCaughtUp, indexedAmong, indexOutcomes, printFigures, readTopic } from '../helpers/faults';
import { resizedCopy, samplePhotos } from '../helpers/photos';
import { appEnv, eventually } from '../helpers/services';
import { bootStrapi, createAdmin, createApiToken } from '../helpers/strapi';

/**
 * Fault injection with the in-process worker: the test stops the real Kafka and Milvus under a running Strapi, and
 * restarts Strapi itself, then checks that every upload ends up indexed exactly once.
 */

const run = `out${Date.now().toString(36)}`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'image-search-outages-'));
const env = appEnv(run, tmp);
const brokers = env.KAFKA_BROKERS.split(',');
let strapi: Core.Strapi;
let api: ReturnType<typeof pluginApi>;
let credentials: { adminJwt: string; apiToken: string };
let images: string[];

beforeAll(async () => {
  images = await generatedImages(tmp, 280);
  strapi = await bootStrapi(env);
  credentials = { adminJwt: await createAdmin(strapi, 'strapi-super-admin', `admin-${run}@example.com`), apiToken: await createApiToken(strapi, `full-${run}`, 'full-access') };
  api = pluginApi(strapi, credentials);
  await eventually('the worker to run', async () => (runtimeOf(strapi).workerRunning() ? true : undefined), 120_000);
});

afterAll(async () => {
  // A failed test must not leave the services down for the suites after it.
  await controlService('kafka', 'start');
  await controlService('milvus', 'start');
  await strapi?.destroy();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const runtime = () => runtimeOf(strapi);

const allIndexed = (ids: readonly number[], timeoutMs: number) =>
  eventually(`${ids.length} files to be indexed`, async () => ((await indexedAmong(runtime().store(), ids)).size === ids.length ? true : undefined), timeoutMs, 1000);

const figuresFor = async (ids: readonly number[], recoveredMs: number) => (await faultFigures(env, runtime().store().collection, ids, recoveredMs)).figures;

describe('outages under a running Strapi (in-process worker)', () => {
  it('Kafka stopped during 200 uploads: the uploads succeed, the events wait in the outbox, and all are indexed once it is back', async () => {
    await controlService('kafka', 'stop');
    const ids = await mapConcurrently(images.slice(0, 200), 4, (image) => api.upload(image));
    expect(new Set(ids).size).toBe(200);
    const { pending } = await runtime().outbox.pendingStats();
    expect(pending).toBeGreaterThanOrEqual(200);
    // The status page keeps answering, the lag unknown, instead of waiting out kafkajs's retries (a minute or more).
    const asked = Date.now();
    const status = await api.http.get(adminPath('status')).set('Authorization', api.adminAuth);
    const statusMs = Date.now() - asked;
    expect(status.status).toBe(200);
    expect(status.body.data.worker.lag).toBeNull();
    expect(statusMs).toBeLessThan(LAG_ANSWER_MS + 5000);

    const restarted = Date.now();
    await controlService('kafka', 'start');
    await allIndexed(ids, 300_000);
    const figures = await figuresFor(ids, Date.now() - restarted);
    printFigures('kafka stopped during 200 uploads', { ...figures, pendingWhileDown: pending, statusMsWhileDown: statusMs });
    expect(figures).toMatchObject({ produced: 200, indexed: 200, deadLettered: 0, duplicates: 0, lost: 0 });
    expect((await runtime().outbox.pendingStats()).pending).toBe(0);
  });

  it('Milvus stopped mid-stream: nothing is committed past an unindexed file, and all are indexed once it is back', async () => {
    const batch = images.slice(200, 260);
    const ids: number[] = [];
    const uploading = mapConcurrently(batch, 2, async (image) => void ids.push(await api.upload(image)));
    await eventually('a first part to be indexed', async () => ((await indexedAmong(runtime().store(), ids)).size >= 15 ? true : undefined), 120_000, 250);
    await controlService('milvus', 'stop');
    await uploading;

    // The worker keeps failing to write; whatever its group has committed must already be indexed.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const snapshotAt = Date.now();
    const committed = await committedOffsets(brokers, env.IMAGE_SEARCH_GROUP_ID, env.IMAGE_SEARCH_TOPIC);

    const restarted = Date.now();
    await controlService('milvus', 'start');
    await allIndexed(ids, 300_000);
    const figures = await figuresFor(ids, Date.now() - restarted);

    // Every media event below a committed offset had its outcome reported (which follows the write) before the snapshot.
    const reportedAt = new Map(
      [...(await indexOutcomes(brokers, env.IMAGE_SEARCH_INDEX_TOPIC)).values()].flat().map((event) => [event.data.causation.id, Date.parse(event.time)] as const)
    );
    const committedEvents = (await readTopic(brokers, env.IMAGE_SEARCH_TOPIC))
      .filter((m) => m.offset < (committed.get(m.partition) ?? 0))
      .flatMap((m) => {
        const parsed = parseEvent(mediaEventSchema, m.value);
        return 'event' in parsed ? [parsed.event] : [];
      });
    const committedUnindexed = committedEvents.filter((event) => !((reportedAt.get(event.id) ?? Infinity) <= snapshotAt));
    printFigures('milvus stopped mid-stream', { ...figures, committedWhileDown: committedEvents.length, committedUnindexed: committedUnindexed.length });
    expect(committedUnindexed).toEqual([]);
    expect(figures).toMatchObject({ produced: 60, indexed: 60, deadLettered: 0, duplicates: 0, lost: 0 });
  });

  it("Kafka stopped while an editor merges duplicates and marks others: both succeed, and their decision events reach the index topic once it is back", async () => {
    const [rocket, camera] = samplePhotos(['skimage-rocket.jpg', 'skimage-camera.png']);
    const keeper = await api.upload(rocket);
    const copy = await api.upload(await resizedCopy(rocket, path.join(tmp, 'rocket-copy.jpg')));
    const marked = [await api.upload(camera), await api.upload(await resizedCopy(camera, path.join(tmp, 'camera-copy.jpg')))];
    await allIndexed([keeper, copy, ...marked], 120_000);

    await controlService('kafka', 'stop');
    const post = (route: 'resolveDuplicates' | 'dismissDuplicates', body: object) => api.http.post(adminPath(route)).set('Authorization', api.adminAuth).send(body);
    expect((await post('resolveDuplicates', { keeperId: keeper, discardIds: [copy] })).status).toBe(200);
    expect((await post('dismissDuplicates', { fileIds: [marked[1], marked[0]] })).status).toBe(200);
    const pendingDecisions = await strapi.db.query(OUTBOX_UID).count({ where: { sentAt: null, type: { $in: Object.values(DECISION_EVENT_TYPES) } } });
    expect(pendingDecisions).toBe(2);

    const restarted = Date.now();
    await controlService('kafka', 'start');
    const decisions = await eventually(
      'the decision events on the index topic',
      async () => {
        const events = (await readTopic(brokers, env.IMAGE_SEARCH_INDEX_TOPIC)).flatMap((message) => {
          const parsed = parseEvent(decisionEventSchema, message.value);
          return 'event' in parsed ? [{ key: message.key, event: parsed.event }] : [];
        });
        return events.length >= 2 ? events : undefined;
      },
      120_000,
      1000
    );
    console.log(`FAULT decision events recorded while kafka was down: ${pendingDecisions} pending, on the index topic ${Date.now() - restarted} ms after the restart`);
    expect(decisions).toHaveLength(2);
    const [resolved, dismissed] = [DECISION_EVENT_TYPES.duplicatesResolved, DECISION_EVENT_TYPES.duplicatesDismissed].map((type) => decisions.find(({ event }) => event.type === type)!);
    expect(resolved.key).toBe(String(keeper));
    expect(resolved.event.data).toMatchObject({ keeper: { id: keeper }, deleted: [{ id: copy }], repointed: [] });
    expect(dismissed.key).toBe(String(Math.min(...marked)));
    expect(dismissed.event.data).toMatchObject({ fileIds: [...marked].sort((a, b) => a - b), decision: 'not-duplicates' });
  });

  it('Strapi restarted with undelivered outbox rows: they are delivered after the restart', async () => {
    await controlService('kafka', 'stop');
    const ids = await mapConcurrently(images.slice(260, 280), 4, (image) => api.upload(image));
    const { pending } = await runtime().outbox.pendingStats();
    expect(pending).toBeGreaterThanOrEqual(20);

    const stopping = Date.now();
    await strapi.destroy();
    const shutdownMs = Date.now() - stopping;
    await controlService('kafka', 'start');
    const restarted = Date.now();
    strapi = await bootStrapi(env);
    api = pluginApi(strapi, credentials);
    await allIndexed(ids, 300_000);
    const figures = await figuresFor(ids, Date.now() - restarted);
    printFigures('strapi restarted with undelivered outbox rows', { ...figures, pendingAtShutdown: pending, shutdownMs });
    expect(figures).toMatchObject({ produced: 20, indexed: 20, deadLettered: 0, duplicates: 0, lost: 0 });

    // The index-state tracker joins its group late after a Kafka restart. Stopped mid-join, its join would outlive
    // Strapi and this test file; once it has caught up, the destroy finds it running and it leaves at once.
    await groupCaughtUp(brokers, indexStateGroupId(env.IMAGE_SEARCH_GROUP_ID), env.IMAGE_SEARCH_INDEX_TOPIC, 'the index-state tracker to catch up');
  });
});
