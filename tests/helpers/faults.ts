import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { Kafka, logLevel } from 'kafkajs';
import sharp from 'sharp';
import { INDEX_EVENT_TYPES, indexEventSchema, parseEvent, type IndexEvent } from '../../server/src/contracts/events';
import { createLagProbe } from '../../server/src/messaging/client';
import { mapConcurrently } from '../../server/src/utils/map-concurrently';
import { PACKAGE_ROOT } from '../../server/src/utils/paths';
import type { VectorStore } from '../../server/src/vector-store/types';
import { samplePhotos } from './photos';
import { eventually } from './services';

/** What the fault-injection suites share: stopping and starting services, reading topics and index rows, figures. */

const SCRIPTS = path.join(PACKAGE_ROOT, 'scripts/services');

/**
 * Stops or starts the test Kafka or Milvus through the project's own scripts: same ports, data kept. The scripts
 * read the test ports from the environment scripts/test.sh exported. `fresh` starts it with no data. Returns how long it took.
 */
export async function controlService(name: 'kafka' | 'milvus', action: 'stop' | 'start', { fresh = false } = {}): Promise<number> {
  const started = Date.now();
  await promisify(execFile)('bash', [path.join(SCRIPTS, `${name}.sh`), action, ...(fresh ? ['--fresh'] : [])], { timeout: 330_000 });
  return Date.now() - started;
}

export interface TopicMessage {
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  partition: number;
  offset: number;
}

/** Every message of a topic, from its start to its end as of the call. */
export async function readTopic(brokers: string[], topic: string): Promise<TopicMessage[]> {
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
  await admin.disconnect();
  const messages: TopicMessage[] = [];
  const remaining = new Set([...ends].filter(([, high]) => high > 0).map(([partition]) => partition));
  if (remaining.size === 0) return messages;
  const consumer = kafka.consumer({ groupId: `reader-${Date.now()}-${Math.random()}`, maxWaitTimeInMs: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`reading ${topic} timed out`)), 60_000);
    void consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const offset = Number(message.offset);
        if (offset >= ends.get(partition)!) return;
        messages.push({
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? null,
          headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)])),
          partition,
          offset,
        });
        if (offset === ends.get(partition)! - 1) remaining.delete(partition);
        if (remaining.size === 0) (clearTimeout(timer), resolve());
      },
    });
  });
  await consumer.disconnect();
  return messages;
}

/** The group's committed offset per partition (the next message it would read). */
export async function committedOffsets(brokers: string[], groupId: string, topic: string): Promise<Map<number, number>> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  await admin.disconnect();
  return new Map(offsets.partitions.map((p) => [p.partition, Math.max(0, Number(p.offset))]));
}

/** Waits until consumer group `groupId` has committed every message of `topic` (lag 0). */
export async function groupCaughtUp(brokers: string[], groupId: string, topic: string, what: string): Promise<void> {
  const lag = createLagProbe(new Kafka({ brokers, logLevel: logLevel.NOTHING }), { groupId, topic });
  try {
    await eventually(what, async () => ((await lag.lag()) === 0 ? true : undefined), 120_000, 500);
  } finally {
    await lag.close();
  }
}

/**
 * The collection's rows, read straight from Milvus: how many, for which files, and how many (file, partition)
 * pairs hold more than one row (a doubled write; must be 0).
 */
export async function indexRows(address: string, collection: string): Promise<{ rows: number; files: Set<number>; doubled: number }> {
  const client = new MilvusClient({ address, logLevel: 'error' });
  try {
    const res = await client.query({
      collection_name: collection,
      expr: 'file_id >= 0',
      output_fields: ['pk', 'file_id'],
      limit: 16384,
      consistency_level: 'Strong' as never,
    });
    const pks = res.data.map((row) => String(row.pk));
    return { rows: pks.length, files: new Set(res.data.map((row) => Number(row.file_id))), doubled: pks.length - new Set(pks).size };
  } finally {
    await client.closeConnection();
  }
}

/** `count` distinct small JPEGs (crops of the sample photos at shifting offsets and hues), written to `dir`. */
export async function generatedImages(dir: string, count: number): Promise<string[]> {
  const sources = samplePhotos(['skimage-astronaut.png', 'skimage-chelsea.png', 'skimage-coffee.png', 'skimage-rocket.jpg', 'skimage-motorcycle-left.png']);
  return mapConcurrently(Array.from({ length: count }, (_, i) => i), 4, async (i) => {
    const source = sources[i % sources.length];
    const { width = 400, height = 300 } = await sharp(source).metadata();
    const step = Math.floor(i / sources.length);
    const size = Math.min(width, height) - 40;
    const target = path.join(dir, `generated-${i}.jpg`);
    await sharp(source)
      .extract({ left: (step * 7) % (width - size), top: (step * 5) % (height - size), width: size, height: size })
      .resize(160, 160)
      .modulate({ hue: step * 11 })
      .jpeg({ quality: 85 })
      .toFile(target);
    return target;
  });
}

export interface FaultFigures {
  produced: number;
  indexed: number;
  deadLettered: number;
  duplicates: number;
  lost: number;
  recoveredMs: number;
  [extra: string]: number;
}

/** Which of these files the store holds vectors for. */
export async function indexedAmong(store: VectorStore, ids: readonly number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const { fileIds } = await store.stats(Math.max(...ids));
  return new Set(ids.filter((id) => fileIds.has(id)));
}

/** The applied and failed events on an index topic (not duplicate notices), by file id. */
export async function indexOutcomes(brokers: string[], topic: string): Promise<Map<number, IndexEvent[]>> {
  const byFile = new Map<number, IndexEvent[]>();
  for (const message of await readTopic(brokers, topic)) {
    const parsed = parseEvent(indexEventSchema, message.value);
    if (!('event' in parsed) || parsed.event.type === INDEX_EVENT_TYPES.duplicateDetected) continue;
    byFile.set(parsed.event.data.fileId, [...(byFile.get(parsed.event.data.fileId) ?? []), parsed.event]);
  }
  return byFile;
}

/**
 * The figures a fault test prints for these uploads, counted from the test app's topics (see appEnv) and from
 * Milvus itself; `rows` is the collection's row count.
 */
export async function faultFigures(env: Record<string, string>, collection: string, ids: readonly number[], recoveredMs: number) {
  const brokers = env.KAFKA_BROKERS.split(',');
  const keys = new Set(ids.map(String));
  const [media, letters, rows] = await Promise.all([
    readTopic(brokers, env.IMAGE_SEARCH_TOPIC),
    readTopic(brokers, env.IMAGE_SEARCH_DEAD_LETTER_TOPIC),
    indexRows(env.MILVUS_ADDRESS, collection),
  ]);
  const indexed = ids.filter((id) => rows.files.has(id)).length;
  const deadLettered = letters.filter((letter) => keys.has(letter.key!)).length;
  const figures: FaultFigures = {
    produced: media.filter((m) => keys.has(m.key!)).length,
    indexed,
    deadLettered,
    duplicates: rows.doubled,
    lost: ids.length - indexed - deadLettered,
    recoveredMs,
  };
  return { figures, rows: rows.rows };
}

/** One line per fault test, for the closing note and CI logs. */
export function printFigures(fault: string, figures: FaultFigures): void {
  const extra = Object.entries(figures).filter(([name]) => !['produced', 'indexed', 'deadLettered', 'duplicates', 'lost', 'recoveredMs'].includes(name));
  console.log(
    `FAULT ${fault}: produced ${figures.produced}, indexed ${figures.indexed}, dead-lettered ${figures.deadLettered}, ` +
      `duplicates ${figures.duplicates}, lost ${figures.lost}, recovered in ${figures.recoveredMs} ms` +
      extra.map(([name, value]) => `, ${name} ${value}`).join('')
  );
}
