import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import ts from 'typescript';
import { parseConfigSection } from '../../server/src/config/schema';
import { buildEvent, DECISION_EVENT_TYPES, INDEX_EVENT_TYPES, MEDIA_EVENT_TYPES, toKafkaMessage, type AnyEvent, type MediaFile } from '../../server/src/contracts/events';
import { createKafka, ensureTopics } from '../../server/src/messaging/client';
import { toDeadLetter } from '../../server/src/messaging/dead-letter';
import { createEventProducer, type OutgoingMessage } from '../../server/src/messaging/producer';
import { PACKAGE_ROOT } from '../../server/src/utils/paths';
import { silentLogger } from '../../server/src/utils/logger';
import { eventually, kafkaBrokers } from '../helpers/services';

/**
 * `strapi-image-search events` (the compiled bin) and the example consumer examples/cdn-purge.ts, against the real
 * Kafka only: real messages on the plugin's topics, a malformed one among them. No Strapi, no Milvus.
 */

const CLI = path.join(PACKAGE_ROOT, 'dist/server/src/cli/main.js');
const run = `ev${Date.now().toString(36)}`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'image-search-events-'));
const brokers = kafkaBrokers();
const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();

/** The plugin's config for one set of topics: its Kafka section alone, all that a consumer's machine has. */
const pluginConfig = (topic: string) => ({
  kafka: { brokers, topic, indexTopic: `${topic}.index`, deadLetterTopic: `${topic}.dlq` },
});
const config = pluginConfig(`image-search.${run}`);
const configFile = path.join(tmp, 'config.json');
const { topic: mediaTopic, indexTopic, deadLetterTopic } = config.kafka;

async function publish(raw: ReturnType<typeof pluginConfig>, messages: Array<[string, OutgoingMessage]>): Promise<void> {
  const kafkaConfig = parseConfigSection(raw, 'kafka');
  const kafka = createKafka(kafkaConfig, silentLogger);
  await ensureTopics(kafka, kafkaConfig);
  const producer = createEventProducer(kafka);
  await producer.connect();
  // One at a time: the order within a file's partition is part of what is checked.
  for (const [topic, message] of messages) await producer.send(topic, [message]);
  await producer.disconnect();
}

const file = (id: number, formats?: MediaFile['formats']): MediaFile => ({
  id,
  documentId: `doc${id}`,
  name: `photo-${id}.jpg`,
  url: `/uploads/photo_${id}.jpg`,
  mime: 'image/jpeg',
  width: 800,
  height: 600,
  size: 52.1,
  hash: `photo_${id}`,
  provider: 'local',
  updatedAt: '2025-01-01T00:00:00.000Z',
  ...(formats && { formats }),
});
const thumbnail = (id: number) => ({ thumbnail: { url: `/uploads/thumbnail_photo_${id}.jpg`, width: 156, height: 117 } });
const media = (type: (typeof MEDIA_EVENT_TYPES)[keyof typeof MEDIA_EVENT_TYPES], id: number, formats?: MediaFile['formats']) =>
  buildEvent(type, id, { file: file(id, formats), contentTypes: ['api::article.article'] });
const resolved = (keeper: number, deleted: number) =>
  buildEvent(DECISION_EVENT_TYPES.duplicatesResolved, keeper, {
    keeper: file(keeper),
    deleted: [file(deleted, thumbnail(deleted))],
    repointed: (['draft', 'published'] as const).map((status) => ({ contentType: 'api::article.article', documentId: 'art1', field: 'cover', locale: 'en', status, fromFileId: deleted })),
  });

interface Output {
  code: number | null;
  stdout: string;
  stderr: string;
}
const parsedLines = (stdout: string) =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));

/** A process whose output is collected; `settled` resolves when it exited. */
function start(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: Output = { code: null, stdout: '', stderr: '' };
  child.stdout.on('data', (chunk) => (output.stdout += chunk));
  child.stderr.on('data', (chunk) => (output.stderr += chunk));
  const settled = new Promise<Output>((resolve) => child.once('exit', (code) => resolve({ ...output, code })));
  return { child, output, settled };
}
const events = (...args: string[]) => start([CLI, 'events', '--config', configFile, ...args]);
/** Runs the command until it exits by itself. */
const eventsUntilDone = (...args: string[]) => events(...args).settled;
/** Started when the command says it is reading (its start offsets are taken by then). */
const whenReading = (command: ReturnType<typeof start>) => eventually('the command to start reading', async () => (command.output.stderr.includes('reading ') ? true : undefined), 60_000, 100);

const created11 = media(MEDIA_EVENT_TYPES.created, 11);
const deleted11 = media(MEDIA_EVENT_TYPES.deleted, 11, thumbnail(11));
const created12 = media(MEDIA_EVENT_TYPES.created, 12);
const applied11 = buildEvent(INDEX_EVENT_TYPES.applied, 11, { fileId: 11, model: 'resnet50', action: 'indexed', reason: null, causation: { id: created11.id, type: created11.type } });
const resolved12 = resolved(12, 13);
const deadLetter13 = media(MEDIA_EVENT_TYPES.created, 13);
const typesOf = (lines: Array<{ event?: AnyEvent; error?: string }>) => lines.map((line) => (line.event ? `${line.event.type} ${line.event.subject}` : `error ${line.error}`));

beforeAll(async () => {
  fs.writeFileSync(configFile, JSON.stringify(config));
  await admin.connect();
  const dead = toDeadLetter({ ...toKafkaMessage(deadLetter13), topic: mediaTopic, partition: 0, offset: '0' }, 'the image cannot be decoded');
  await publish(config, [
    [mediaTopic, toKafkaMessage(created11)],
    [mediaTopic, { key: '11', value: 'not json{' }],
    [mediaTopic, toKafkaMessage(deleted11)],
    [mediaTopic, toKafkaMessage(created12)],
    [indexTopic, toKafkaMessage(applied11)],
    [indexTopic, toKafkaMessage(resolved12)],
    [deadLetterTopic, dead],
  ]);
});
afterAll(async () => {
  await admin.disconnect();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('strapi-image-search events', () => {
  it('prints every retained message as a JSON line, a malformed one as an error line, and goes on', async () => {
    const { code, stdout, stderr } = await eventsUntilDone('--from-beginning', '--exit-at-end');
    expect(code).toBe(0);
    const lines = parsedLines(stdout);
    expect(lines).toHaveLength(7);
    // File 11's messages share a partition, so they come in the order they were published, the malformed one included.
    expect(typesOf(lines.filter((line) => line.key === '11' && line.topic === mediaTopic))).toEqual([
      `${MEDIA_EVENT_TYPES.created} 11`,
      'error not JSON',
      `${MEDIA_EVENT_TYPES.deleted} 11`,
    ]);
    expect(lines).toContainEqual({ topic: mediaTopic, partition: expect.any(Number), offset: expect.any(Number), key: '11', error: 'not JSON', value: 'not json{' });
    expect(lines).toContainEqual(expect.objectContaining({ topic: mediaTopic, key: '11', event: deleted11 }));
    expect(lines).toContainEqual(expect.objectContaining({ topic: indexTopic, key: '12', event: resolved12 }));
    expect(lines).toContainEqual(expect.objectContaining({ topic: indexTopic, event: applied11 }));
    expect(lines).toContainEqual(
      expect.objectContaining({ topic: deadLetterTopic, event: deadLetter13, deadLetter: expect.objectContaining({ error: 'the image cannot be decoded', attempts: 1 }) })
    );
    expect(stderr).toContain('from the beginning; committing nothing');
  });

  it('filters by type (with *), file and topic, and stops after --limit lines', async () => {
    const [mediaTypes, resolvedOf12, of12, deadLetters, firstTwo] = await Promise.all([
      eventsUntilDone('--from-beginning', '--exit-at-end', '--type', 'image-search.media.*'),
      eventsUntilDone('--from-beginning', '--exit-at-end', '--type', 'image-search.duplicates.*', '--file', '12'),
      eventsUntilDone('--from-beginning', '--exit-at-end', '--file', '12'),
      // Configured as the worker can be, from environment variables: Kafka's alone.
      start([CLI, 'events', '--from-beginning', '--exit-at-end', '--topic', 'dead-letters'], {
        PATH: process.env.PATH,
        KAFKA_BROKERS: brokers.join(','),
        IMAGE_SEARCH_TOPIC: mediaTopic,
        IMAGE_SEARCH_INDEX_TOPIC: indexTopic,
        IMAGE_SEARCH_DEAD_LETTER_TOPIC: deadLetterTopic,
      }).settled,
      eventsUntilDone('--from-beginning', '--limit', '2'),
    ]);
    // Media types are read from the media topic and the dead letters; the malformed message is shown whatever the type.
    expect(typesOf(parsedLines(mediaTypes.stdout)).sort()).toEqual(
      [`${MEDIA_EVENT_TYPES.created} 11`, `${MEDIA_EVENT_TYPES.created} 12`, `${MEDIA_EVENT_TYPES.created} 13`, `${MEDIA_EVENT_TYPES.deleted} 11`, 'error not JSON'].sort()
    );
    expect(typesOf(parsedLines(resolvedOf12.stdout))).toEqual([`${DECISION_EVENT_TYPES.duplicatesResolved} 12`]);
    expect(typesOf(parsedLines(of12.stdout)).sort()).toEqual([`${DECISION_EVENT_TYPES.duplicatesResolved} 12`, `${MEDIA_EVENT_TYPES.created} 12`].sort());
    expect(parsedLines(deadLetters.stdout)).toEqual([expect.objectContaining({ topic: deadLetterTopic, event: deadLetter13 })]);
    expect(firstTwo.code).toBe(0);
    expect(parsedLines(firstTwo.stdout)).toHaveLength(2);

    const refused = await eventsUntilDone('--type', 'image-search.media.moved.v1');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('events: --type image-search.media.moved.v1 matches no event type');
    expect(refused.stdout).toBe('');
  });

  it('tails new messages only; SIGTERM ends it cleanly; no consumer group ever holds an offset it committed', async () => {
    const tail = events('--file', '21', '--limit', '2');
    const watching = events();
    await Promise.all([whenReading(tail), whenReading(watching)]);
    const created21 = media(MEDIA_EVENT_TYPES.created, 21);
    const deleted21 = media(MEDIA_EVENT_TYPES.deleted, 21);
    await publish(config, [[mediaTopic, toKafkaMessage(media(MEDIA_EVENT_TYPES.created, 22))], [mediaTopic, toKafkaMessage(created21)], [mediaTopic, toKafkaMessage(deleted21)]]);
    const tailed = await tail.settled;
    expect(tailed.code).toBe(0);
    expect(parsedLines(tailed.stdout).map((line) => line.event)).toEqual([created21, deleted21]);

    await eventually('the watcher to print the three new events', async () => (parsedLines(watching.output.stdout).length === 3 ? true : undefined), 30_000);

    // The watcher's own group exists while it reads, and holds no offset: neither it nor any other group committed one.
    const { groups } = await admin.listGroups();
    expect(groups.map(({ groupId }) => groupId)).toContainEqual(expect.stringMatching(/^strapi-image-search-events-/));
    for (const { groupId } of groups) {
      const offsets = await admin.fetchOffsets({ groupId, topics: [mediaTopic, indexTopic, deadLetterTopic] });
      expect({ groupId, committed: offsets.flatMap((topic) => topic.partitions.filter((p) => Number(p.offset) >= 0)) }).toEqual({ groupId, committed: [] });
    }

    const stoppingAt = Date.now();
    watching.child.kill('SIGTERM');
    const watched = await watching.settled;
    expect(watched.code).toBe(0);
    expect(Date.now() - stoppingAt).toBeLessThan(10_000);
  });

  it('--group prints the lag of each partition of the topics the group committed on, then exits', async () => {
    const group = `consumers-${run}`;
    const mediaEnds = await admin.fetchTopicOffsets(mediaTopic);
    // The group has read half of each partition of the media topic, and never read the index topic.
    const committed = mediaEnds.map(({ partition, high }) => ({ partition, offset: String(Math.floor(Number(high) / 2)) }));
    await admin.setOffsets({ groupId: group, topic: mediaTopic, partitions: committed });

    const { code, stdout } = await eventsUntilDone('--group', group);
    expect(code).toBe(0);
    expect(parsedLines(stdout)).toEqual(
      mediaEnds
        .sort((a, b) => a.partition - b.partition)
        .map(({ partition, high }) => {
          const at = Math.floor(Number(high) / 2);
          return { group, topic: mediaTopic, partition, committed: at, end: Number(high), lag: Number(high) - at };
        })
    );
    const indexEnds = await admin.fetchTopicOffsets(indexTopic);
    const named = await eventsUntilDone('--group', group, '--topic', 'index');
    expect(parsedLines(named.stdout)).toEqual(
      indexEnds.sort((a, b) => a.partition - b.partition).map(({ partition, high, low }) => ({ group, topic: indexTopic, partition, committed: null, end: Number(high), lag: Number(high) - Number(low) }))
    );
    expect(parsedLines(named.stdout).reduce((sum: number, line: { lag: number }) => sum + line.lag, 0)).toBe(2);
  });
});

describe('examples/cdn-purge.ts', () => {
  const example = path.join(PACKAGE_ROOT, 'examples/cdn-purge.ts');
  const cdn = pluginConfig(`image-search.${run}-cdn`);

  /** Type-checks the example under the repository's compiler options, and compiles it to JavaScript in `outDir`. */
  function compile(outDir: string): string {
    const { options } = ts.getParsedCommandLineOfConfigFile(path.join(PACKAGE_ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
    const program = ts.createProgram([example], { ...options, rootDir: path.dirname(example), outDir, declaration: false, sourceMap: false, noEmit: false });
    const diagnostics = [...ts.getPreEmitDiagnostics(program), ...program.emit().diagnostics];
    expect(ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => PACKAGE_ROOT, getNewLine: () => '\n' })).toBe('');
    return path.join(outDir, 'cdn-purge.js');
  }

  it('compiles, prints the URLs and pages to purge once per event, and skips what is not an event', async () => {
    const script = compile(path.join(tmp, 'example'));
    const deleted31 = toKafkaMessage(media(MEDIA_EVENT_TYPES.deleted, 31, { ...thumbnail(31), small: { url: '/uploads/small_photo_31.jpg', width: 500, height: 375 } }));
    await publish(cdn, [
      [cdn.kafka.topic, deleted31],
      // Delivered twice, as at-least-once delivery may: purged once.
      [cdn.kafka.topic, deleted31],
      [cdn.kafka.topic, toKafkaMessage(media(MEDIA_EVENT_TYPES.created, 32))],
      [cdn.kafka.topic, { key: '32', value: 'garbage' }],
      [cdn.kafka.indexTopic, toKafkaMessage(resolved(33, 34))],
    ]);
    const consumer = start([script], {
      PATH: process.env.PATH,
      NODE_PATH: path.join(PACKAGE_ROOT, 'node_modules'),
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      KAFKA_BROKERS: brokers.join(','),
      IMAGE_SEARCH_TOPIC: cdn.kafka.topic,
      IMAGE_SEARCH_INDEX_TOPIC: cdn.kafka.indexTopic,
      GROUP_ID: `cdn-purge-${run}`,
      PUBLIC_URL: 'https://media.example.com',
    });
    const expected = [
      'purge https://media.example.com/uploads/photo_31.jpg',
      'purge https://media.example.com/uploads/thumbnail_photo_31.jpg',
      'purge https://media.example.com/uploads/small_photo_31.jpg',
      'purge https://media.example.com/uploads/photo_34.jpg',
      'purge https://media.example.com/uploads/thumbnail_photo_34.jpg',
      'purge-page api::article.article art1 en draft (cover was file 34)',
      'purge-page api::article.article art1 en published (cover was file 34)',
    ];
    const printed = () => consumer.output.stdout.split('\n').filter(Boolean);
    await eventually('the example to print what to purge', async () => (printed().length >= expected.length ? true : undefined), 60_000);
    // Time for a repeated line to show up, were the redelivered event purged again.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    consumer.child.kill('SIGTERM');
    const { code, stderr } = await consumer.settled;
    expect(code).toBe(0);
    expect(printed().sort()).toEqual(expected.sort());
    expect(stderr).toContain('skipped a malformed message (key 32)');
  });
});
