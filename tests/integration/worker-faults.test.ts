import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Core } from '@strapi/strapi';
import { Kafka, logLevel } from 'kafkajs';
import sharp from 'sharp';
import { buildMediaEvent, toMediaFile } from '../../server/src/capture/event-builder';
import { INDEX_EVENT_TYPES, MEDIA_EVENT_TYPES, toKafkaMessage } from '../../server/src/contracts/events';
import { DEAD_LETTER_HEADERS } from '../../server/src/messaging/dead-letter';
import { runtimeOf } from '../../server/src/runtime/runtime';
import { mapConcurrently } from '../../server/src/utils/map-concurrently';
import { pluginApi } from '../helpers/api';
import { faultFigures, generatedImages, groupCaughtUp, indexedAmong, indexOutcomes, indexRows, printFigures, readTopic } from '../helpers/faults';
import { samplePhotos } from '../helpers/photos';
import { appEnv, eventually } from '../helpers/services';
import { PLAYGROUND_DIR, bootStrapi, createAdmin, createApiToken } from '../helpers/strapi';
import { appliedIn, CLI, startWorkerProcess, writeWorkerConfig, type WorkerProcess } from '../helpers/worker-process';

/**
 * Fault injection on the standalone worker: killed without warning mid-burst, and fed poison messages. Strapi only
 * records and publishes (worker.inProcess=false); the worker runs from the compiled bin, as operators run it.
 */

const run = `wf${Date.now().toString(36)}`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'image-search-wf-'));
const env: Record<string, string> = { ...appEnv(run, tmp), IMAGE_SEARCH_IN_PROCESS_WORKER: 'false' };
const brokers = env.KAFKA_BROKERS.split(',');
const configFile = writeWorkerConfig(env, path.join(tmp, 'worker.json'));
/** Poison files go where the local upload provider keeps uploads, under names no upload can take. */
const uploadsDir = path.join(PLAYGROUND_DIR, 'public/uploads');
const poisonFiles: string[] = [];
let strapi: Core.Strapi;
let api: ReturnType<typeof pluginApi>;
let worker: WorkerProcess;
/** The worker that leaves the group in the rebalance test; `worker` is the one that stays. */
let leaving: WorkerProcess | undefined;

beforeAll(async () => {
  strapi = await bootStrapi(env);
  const adminJwt = await createAdmin(strapi, 'strapi-super-admin', `admin-${run}@example.com`);
  api = pluginApi(strapi, { adminJwt, apiToken: await createApiToken(strapi, `full-${run}`, 'full-access') });
});

afterAll(async () => {
  await Promise.all([worker?.kill('SIGKILL'), leaving?.kill('SIGKILL')]);
  await strapi?.destroy();
  poisonFiles.forEach((file) => fs.rmSync(file, { force: true }));
  fs.rmSync(tmp, { recursive: true, force: true });
});

const store = () => runtimeOf(strapi).store();

const indexedCount = async (ids: readonly number[]) => (await indexedAmong(store(), ids)).size;
const outcomes = () => indexOutcomes(brokers, env.IMAGE_SEARCH_INDEX_TOPIC);

describe('worker faults (standalone worker process)', () => {
  it('worker killed with SIGKILL three times during a 300-image burst: all indexed, one row per (file, partition)', async () => {
    const images = await generatedImages(tmp, 300);
    worker = startWorkerProcess(configFile);
    const ids: number[] = [];
    const uploading = mapConcurrently(images, 4, async (image) => void ids.push(await api.upload(image)));

    const killedAt: number[] = [];
    for (const threshold of [30, 110, 190]) {
      await eventually(`${threshold} files to be indexed`, async () => ((await indexedCount(ids)) >= threshold ? true : undefined), 300_000, 100);
      await worker.kill('SIGKILL');
      killedAt.push(await indexedCount(ids));
      worker = startWorkerProcess(configFile);
    }
    await uploading;
    const lastKill = Date.now();
    await eventually('all 300 files to be indexed', async () => ((await indexedCount(ids)) === 300 ? true : undefined), 300_000, 500);
    const recoveredMs = Date.now() - lastKill;
    // The last worker goes on re-applying what the killed ones left uncommitted; count outcomes once it has committed
    // everything (this also leaves the next test a group with nothing pending).
    await groupCaughtUp(brokers, env.IMAGE_SEARCH_GROUP_ID, env.IMAGE_SEARCH_TOPIC, 'the worker to commit every event');

    const [{ figures, rows }, reported] = await Promise.all([faultFigures(env, store().collection, ids, recoveredMs), outcomes()]);
    const applied = ids.reduce((sum, id) => sum + (reported.get(id)?.length ?? 0), 0);
    printFigures('worker SIGKILLed 3 times during 300 uploads', { ...figures, rows, reappliedAfterKills: applied - ids.length, killedAtIndexed: killedAt[0] });
    console.log(`worker kills at ${killedAt.join(', ')} files indexed`);
    expect(figures).toMatchObject({ produced: 300, indexed: 300, deadLettered: 0, duplicates: 0, lost: 0 });
    // Every upload is unattached: exactly one row each.
    expect(rows).toBe(300);
  }, 450_000); // each kill waits out a Kafka session timeout (30 s); 300 near-copies of 5 photos are also the most verification a burst can ask for

  it('two workers in one consumer group share the partitions; a worker joining and another leaving mid-burst lose nothing and double nothing', async () => {
    // Only the two workers of this test are in the group (the previous test leaves one running, with nothing pending).
    await worker?.kill('SIGTERM');
    const total = 200;
    /** Uploaded once the first worker has left, so the second must apply events on every partition. */
    const late = 30;
    const images = await generatedImages(tmp, total);
    // Rows of the earlier tests stay; store() answers once Strapi has reached Milvus.
    const rowsBefore = await eventually('the index to be reachable', async () => (await indexRows(env.MILVUS_ADDRESS, store().collection)).rows);
    const first = startWorkerProcess(configFile);
    leaving = first;
    const ids: number[] = [];
    const uploading = mapConcurrently(images.slice(0, total - late), 4, async (image) => void ids.push(await api.upload(image)));

    await eventually('50 files to be indexed by the first worker', async () => ((await indexedCount(ids)) >= 50 ? true : undefined), 120_000, 100);
    // Same config, same group: the group rebalances and the second worker takes over some of the partitions.
    const second = startWorkerProcess(configFile);
    const secondStarted = Date.now();
    worker = second;
    const joinedAt = await indexedCount(ids);
    // Whether the second worker gets events before the first leaves depends on how far the first is ahead; the late
    // uploads below make sure it applies some, on every partition.
    await eventually('120 files to be indexed', async () => ((await indexedCount(ids)) >= 120 ? true : undefined), 120_000, 100);
    const leftAt = await indexedCount(ids);
    const appliedBySecondBefore = appliedIn(second.log()).length;
    // A graceful leave: the first worker finishes its current event, commits, leaves the group (a second rebalance).
    expect(await first.kill('SIGTERM')).toBe(0);
    const left = Date.now();
    expect(first.log()).toMatch(/SIGTERM: finishing the current event and stopping/);
    expect(first.log()).not.toMatch(/unhandled|triggerUncaughtException/i);
    await uploading;
    await mapConcurrently(images.slice(total - late), 4, async (image) => void ids.push(await api.upload(image)));
    await eventually(`all ${total} files to be indexed`, async () => ((await indexedCount(ids)) === total ? true : undefined), 120_000, 500);
    const recoveredMs = Date.now() - left;
    expect(second.child.exitCode).toBeNull();
    // A file is in the index before its outcome is reported (after the chunk's duplicate check): count them once committed.
    await groupCaughtUp(brokers, env.IMAGE_SEARCH_GROUP_ID, env.IMAGE_SEARCH_TOPIC, 'the second worker to commit every event');

    const [{ figures, rows }, reported, media] = await Promise.all([
      faultFigures(env, store().collection, ids, recoveredMs),
      outcomes(),
      readTopic(brokers, env.IMAGE_SEARCH_TOPIC),
    ]);
    const reportedOutcomes = ids.flatMap((id) => reported.get(id) ?? []);
    const staleSkips = reportedOutcomes.filter((event) => event.type === INDEX_EVENT_TYPES.applied && event.data.reason?.startsWith('stale')).length;
    const partitionOf = new Map(media.map((m) => [Number(m.key), m.partition]));
    const byFirst = appliedIn(first.log());
    const bySecond = appliedIn(second.log());
    const partitions = (applied: { fileId: number }[]) => [...new Set(applied.map(({ fileId }) => partitionOf.get(fileId)!))].sort((a, b) => a - b);
    printFigures('second worker joins at 50 and the first leaves (SIGTERM) at 120 of 200 uploads', {
      ...figures,
      rows: rows - rowsBefore,
      reappliedAfterRebalances: reportedOutcomes.length - ids.length,
      staleSkips,
      appliedByFirst: byFirst.length,
      appliedBySecond: bySecond.length,
      secondFirstAppliedMs: bySecond[0].at - secondStarted,
    });
    console.log(
      `second worker started at ${joinedAt} files indexed and had applied ${appliedBySecondBefore} events when the first left at ${leftAt}; ` +
        `partitions applied by the first [${partitions(byFirst)}], by the second [${partitions(bySecond)}] ` +
        `([${partitions(bySecond.filter(({ at }) => at < left))}] before the first left)`
    );
    // The group's story (joins, rebalances, the leave) without the applied events, to read when an assertion fails.
    for (const [name, w] of [['first', first], ['second', second]] as const) console.log(`${name} worker:\n${w.log().replace(/^\S+ info image-search\.media\..*\n/gm, '')}`);

    expect(figures).toMatchObject({ produced: total, indexed: total, deadLettered: 0, duplicates: 0, lost: 0 });
    // Every upload is unattached: exactly one new row each.
    expect(rows - rowsBefore).toBe(total);
    // Unlike a kill, a rebalance or a graceful leave re-applies nothing: a worker stops between events and commits what
    // it applied before giving up a partition, so each event has exactly one outcome.
    expect(reportedOutcomes.length).toBe(total);
    // Each event was applied by one of the two workers, and each worker applied some...
    expect(new Set([...byFirst, ...bySecond].map(({ fileId }) => fileId))).toEqual(new Set(ids));
    expect(byFirst.length).toBeGreaterThan(0);
    // ...and the one that stayed took over the partitions of the one that left: it applied events of every partition.
    expect(partitions(bySecond)).toEqual(partitions(ids.map((fileId) => ({ fileId }))));
  });

  it('a worker started while Milvus is unreachable waits for it instead of crashing, and stops cleanly', async () => {
    const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
    writeJson(path.join(tmp, 'milvus-down.json'), { ...config, milvus: { ...config.milvus, address: '127.0.0.1:1' } });
    // Configured by environment variables alone (no config file), as in a container.
    const waiting = startWorkerProcess({ env: { PATH: process.env.PATH ?? '', ...env, MILVUS_ADDRESS: '127.0.0.1:1' } });
    await eventually('the worker to report that it waits for Milvus', async () => (waiting.log().includes('connecting to Milvus failed') ? true : undefined), 60_000);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(waiting.child.exitCode).toBeNull();
    expect(await waiting.kill('SIGTERM')).toBe(0);
    expect(waiting.log()).not.toMatch(/unhandled|triggerUncaughtException/i);
  });

  it('doctor checks the deployment a config describes, and says what is wrong and how to fix it', async () => {
    const doctor = (file: string) =>
      promisify(execFile)(process.execPath, [CLI, 'doctor', '--config', file]).then(
        ({ stdout }) => ({ code: 0, stdout }),
        (error: { code: number; stdout: string }) => error
      );
    const healthy = await doctor(configFile);
    expect(healthy.code).toBe(0);
    expect(healthy.stdout).toMatch(/^ok {4}Kafka: 1 broker/m);
    expect(healthy.stdout).toMatch(/^ok {4}Milvus: v2\.3\./m);
    expect(healthy.stdout).toMatch(new RegExp(`^ok {4}collection ${store().collection}: 2048-d vectors`, 'm'));
    const broken = await doctor(path.join(tmp, 'milvus-down.json'));
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/^FAIL {2}Milvus: 127\.0\.0\.1:1: .+\n {8}fix: check milvus\.address/m);
  });

  it('poison messages are dead-lettered or skipped with a reason, and the messages behind them are processed', async () => {
    if (!worker || worker.child.exitCode !== null) worker = startWorkerProcess(configFile);
    const [photo] = samplePhotos(['skimage-coffee.png']);
    const png = await sharp(photo).png().toBuffer();
    const poison: Record<string, { bytes: Buffer; mime: string }> = {
      'corrupt.jpg': { bytes: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2048, 0x5a)]), mime: 'image/jpeg' },
      'truncated.png': { bytes: png.subarray(0, Math.floor(png.length / 2)), mime: 'image/png' },
      'empty.jpg': { bytes: Buffer.alloc(0), mime: 'image/jpeg' },
      'text.jpg': { bytes: Buffer.from('this is not a picture\n'.repeat(20)), mime: 'image/jpeg' },
      'bomb.png': { bytes: pixelBomb(30_000, 30_000), mime: 'image/png' },
      'entity.svg': {
        bytes: Buffer.from(
          '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' +
            '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><text y="20">&xxe;</text></svg>'
        ),
        mime: 'image/svg+xml',
      },
      'good.png': { bytes: png, mime: 'image/png' },
    };
    // File ids far above the app's own, so the events never touch a real upload.
    const base = 9_000_000 + Math.floor(Math.random() * 1000) * 100;
    const fileFor = (name: string, i: number) => {
      const url = `/uploads/poison_${run}_${name}`;
      return toMediaFile({ id: base + i, documentId: `poison${i}`, name, url, mime: poison[name]?.mime ?? 'image/jpeg' });
    };
    Object.entries(poison).forEach(([name, { bytes }]) => {
      const file = path.join(uploadsDir, `poison_${run}_${name}`);
      fs.writeFileSync(file, bytes);
      poisonFiles.push(file);
    });
    const names = Object.keys(poison);
    const events = names.map((name, i) => toKafkaMessage(buildMediaEvent(MEDIA_EVENT_TYPES.created, fileFor(name, i), [])));
    const deleted = toKafkaMessage(buildMediaEvent(MEDIA_EVENT_TYPES.created, fileFor('deleted-before-indexing.jpg', names.length), []));
    const unknownVersion = { ...deleted, key: String(base + 90), value: deleted.value.replace(MEDIA_EVENT_TYPES.created, 'image-search.media.created.v9') };
    const malformed = { key: String(base + 91), value: '{"specversion": "1.0", "type": ' };
    const good = events.pop()!;
    const messages = [malformed, unknownVersion, deleted, ...events, good];

    const producer = new Kafka({ brokers, logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    const sentAt = Date.now();
    // All on one partition, the good message last: it is behind every poison message, as in a real stream.
    await producer.send({ topic: env.IMAGE_SEARCH_TOPIC, messages: messages.map((m) => ({ key: m.key, value: m.value, partition: 0 })) });
    await producer.disconnect();

    const goodId = base + names.length - 1;
    // Its outcome is published after the dead letters of its chunk and of every chunk before it on the partition.
    const reported = await eventually('the good file behind the poison to be reported', async () => {
      const found = await outcomes();
      return found.has(goodId) ? found : undefined;
    }, 180_000, 500);
    const recoveredMs = Date.now() - sentAt;
    expect(await (await store().serving()).getVector(goodId, { fresh: true })).not.toBeNull();

    const letters = (await readTopic(brokers, env.IMAGE_SEARCH_DEAD_LETTER_TOPIC)).filter((m) => messages.some((sent) => sent.key === m.key));
    const fate = (key: string) => {
      const letter = letters.find((m) => m.key === key);
      if (letter) return `dead-lettered: ${letter.headers[DEAD_LETTER_HEADERS.error]}`;
      const [outcome] = reported.get(Number(key)) ?? [];
      return outcome?.type === INDEX_EVENT_TYPES.applied ? `${outcome.data.action}${outcome.data.reason ? `: ${outcome.data.reason}` : ''}` : 'nothing';
    };
    const fates = Object.fromEntries(
      [['malformed JSON', malformed.key], ['unknown event version', unknownVersion.key], ['file deleted before indexing', deleted.key]]
        .concat(names.map((name, i) => [name, String(base + i)]))
        .map(([what, key]) => [what, fate(key)])
    );
    console.log(`poison messages:\n${Object.entries(fates).map(([what, outcome]) => `  ${what} -> ${outcome}`).join('\n')}`);
    printFigures('poison messages', {
      produced: messages.length,
      indexed: 1,
      deadLettered: letters.length,
      duplicates: 0,
      lost: Object.values(fates).filter((outcome) => outcome === 'nothing').length,
      recoveredMs,
    });

    expect(fates['good.png']).toBe('indexed');
    for (const [what, outcome] of Object.entries(fates)) {
      if (what === 'good.png') continue;
      expect([what, outcome]).toEqual([what, expect.stringMatching(/^(dead-lettered|skipped): .+/)]);
    }
    // The dead letters carry the original message, unchanged.
    for (const letter of letters) expect(letter.value).toBe(messages.find((m) => m.key === letter.key)!.value);
    expect(worker.child.exitCode).toBeNull();
  });
});

/** The media events a worker process logged as applied (whatever the action): which file, and when. */
function writeJson(file: string, value: unknown): string {
  fs.writeFileSync(file, JSON.stringify(value));
  return file;
}

/** A valid 1-bit greyscale PNG of width x height zero pixels: a few hundred KB that decode to gigabytes. */
function pixelBomb(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([1, 0, 0, 0, 0], 8); // bit depth 1, greyscale, deflate, adaptive filter, no interlace
  const row = Buffer.alloc(1 + Math.ceil(width / 8)); // filter byte 0, then zero pixels
  const pixels = zlib.deflateSync(Buffer.concat(Array<Buffer>(height).fill(row)), { level: 9 });
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', pixels), chunk('IEND', Buffer.alloc(0))]);
}
