import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Admin, Kafka } from 'kafkajs';
import { parseConfigSection } from '../config/schema';
import {
  channelOf,
  DECISION_EVENT_TYPES,
  INDEX_EVENT_TYPES,
  indexTopicEventSchema,
  MEDIA_EVENT_TYPES,
  mediaEventSchema,
  parseEvent,
  type AnyEvent,
  type EventType,
} from '../contracts/events';
import { createKafka, partitionLags } from '../messaging/client';
import type { IncomingMessage } from '../messaging/consumer';
import { DEAD_LETTER_HEADERS } from '../messaging/dead-letter';
import type { Logger } from '../utils/logger';
import { UsageError, type OptionValues } from './command-line';

/**
 * `strapi-image-search events`: the plugin's topics as a consumer reads them, one JSON line per message on stdout,
 * each event validated (and upcast) by the public contract; or, with --group, how far a consumer group is behind.
 * It reads under a throwaway consumer group and commits nothing, so no real group's position ever moves.
 */

export const TOPICS = ['media', 'index', 'dead-letters'] as const;
export type TopicName = (typeof TOPICS)[number];

const ALL_TYPES: readonly EventType[] = [...Object.values(MEDIA_EVENT_TYPES), ...Object.values(INDEX_EVENT_TYPES), ...Object.values(DECISION_EVENT_TYPES)];

export interface EventsOptions {
  topics: TopicName[];
  /** True when --topic named them: --group then reports them even where the group never committed. */
  topicsNamed: boolean;
  /** The event types to show, --type's patterns expanded; empty shows every type. */
  types: EventType[];
  /** File ids (CloudEvents subject, Kafka key) to show; empty shows every file. */
  files: string[];
  fromBeginning: boolean;
  /** Stop after printing this many lines. */
  limit?: number;
  /** Stop at the topics' ends as they were when the command started. */
  exitAtEnd: boolean;
  /** Report this group's lag instead of reading. */
  group?: string;
}

/** Repeated options arrive as one comma list (command-line.ts), so `--type a --type b` is `--type a,b`. */
const list = (value: OptionValues[string]) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)
    : [];

/** `image-search.media.*`: `*` stands for any run of characters; anything else must match the type exactly. */
function typesMatching(pattern: string): EventType[] {
  const regex = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
  return ALL_TYPES.filter((type) => regex.test(type));
}

/** Where events of these types are published: media events also end up among the dead letters. */
const topicsCarrying = (types: readonly EventType[]): Set<TopicName> =>
  new Set(types.flatMap((type): TopicName[] => (channelOf(type) === 'media' ? ['media', 'dead-letters'] : ['index'])));

export function parseEventsOptions(values: OptionValues): EventsOptions {
  const fail = (message: string) => new UsageError(message, 'events');
  const named = list(values.topic);
  for (const topic of named) if (topic !== 'all' && !(TOPICS as readonly string[]).includes(topic)) throw fail(`--topic must be media, index, dead-letters or all, not "${topic}"`);
  const patterns = list(values.type);
  for (const pattern of patterns) if (typesMatching(pattern).length === 0) throw fail(`--type ${pattern} matches no event type (${ALL_TYPES.join(', ')})`);
  const types = [...new Set(patterns.flatMap(typesMatching))];
  const files = list(values.file);
  for (const file of files) if (!/^\d+$/.test(file)) throw fail(`--file takes file ids (numbers), not "${file}"`);
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1)) throw fail(`--limit must be a whole number of at least 1, not "${String(values.limit)}"`);

  let topics: TopicName[] = named.length === 0 || named.includes('all') ? [...TOPICS] : (named as TopicName[]);
  // Without --topic, --type picks the topics its types are published on; with it, the two must meet.
  if (types.length > 0) {
    const carrying = topicsCarrying(types);
    topics = topics.filter((topic) => carrying.has(topic));
    if (topics.length === 0) throw fail(`no event of those types is published on ${named.join(', ')}`);
  }
  const group = typeof values.group === 'string' ? values.group : undefined;
  if (group !== undefined) {
    const reading = ['type', 'file', 'from-beginning', 'limit', 'exit-at-end'].filter((option) => values[option] !== undefined);
    if (reading.length > 0) throw fail(`--group reports lag and exits; it does not take --${reading[0]}`);
  }
  return {
    topics: [...new Set(topics)],
    topicsNamed: named.length > 0 && !named.includes('all'),
    types,
    files,
    fromBeginning: !!values['from-beginning'],
    limit,
    exitAtEnd: !!values['exit-at-end'],
    group,
  };
}

/** Why a message was dead-lettered, from its headers (dead-letter.ts). */
export interface DeadLetterInfo {
  error?: string;
  attempts?: number;
  failedAt?: string;
  source?: string;
}

interface Position {
  /** The Kafka topic's own name. */
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
}

/** One printed line: where the message was, and the event it holds or why it holds none. */
export type EventLine = Position & { deadLetter?: DeadLetterInfo } & ({ event: AnyEvent } | { error: string; value: string | null });

/** Enough of a malformed message to recognise it, without flooding a terminal with a huge one. */
const SHOWN_VALUE_CHARS = 1000;

function deadLetterInfo(headers: Record<string, string>): DeadLetterInfo {
  const { error, attempts, failedAt, source } = DEAD_LETTER_HEADERS;
  return {
    ...(headers[error] !== undefined && { error: headers[error] }),
    ...(headers[attempts] !== undefined && { attempts: Number(headers[attempts]) }),
    ...(headers[failedAt] !== undefined && { failedAt: headers[failedAt] }),
    ...(headers[source] !== undefined && { source: headers[source] }),
  };
}

/** Reads a message as a consumer of `topic` would: dead letters are media messages unchanged, plus headers. */
export function toEventLine(topic: TopicName, message: IncomingMessage): EventLine {
  const position = { topic: message.topic, partition: message.partition, offset: Number(message.offset), key: message.key };
  const deadLetter = topic === 'dead-letters' ? { deadLetter: deadLetterInfo(message.headers) } : {};
  const parsed = parseEvent(topic === 'index' ? indexTopicEventSchema : mediaEventSchema, message.value);
  if ('event' in parsed) return { ...position, ...deadLetter, event: parsed.event };
  const value = message.value && message.value.length > SHOWN_VALUE_CHARS ? `${message.value.slice(0, SHOWN_VALUE_CHARS)}…` : message.value;
  return { ...position, ...deadLetter, error: parsed.invalid, value };
}

/**
 * Whether the line passes --type and --file. A malformed message has no type to trust, so it is always shown
 * (it is what a consumer would choke on), unless --file rules out its key.
 */
export function isShown(line: EventLine, { types, files }: Pick<EventsOptions, 'types' | 'files'>): boolean {
  if (!('event' in line)) return files.length === 0 || (line.key !== null && files.includes(line.key));
  return (types.length === 0 || types.includes(line.event.type)) && (files.length === 0 || files.includes(line.event.subject));
}

/** Per topic and partition, the offsets to read from (inclusive) and the end as the command started (exclusive). */
type Ranges = Map<string, Map<number, { start: number; end: number }>>;

/** stdout carries the JSON lines only: notes and kafkajs's own complaints go to stderr. */
const note = (message: string) => void process.stderr.write(`${message}\n`);
const stderrLogger: Logger = { debug: () => undefined, info: note, warn: note, error: note };

/** Prints events (or, with --group, lag) as `options` say until it is done or SIGINT/SIGTERM. */
export async function runEvents(rawConfig: unknown, options: EventsOptions, out: Writable): Promise<void> {
  const config = parseConfigSection(rawConfig, 'kafka');
  const names: Record<TopicName, string> = { media: config.topic, index: config.indexTopic, 'dead-letters': config.deadLetterTopic };
  const kafka = createKafka(config, stderrLogger);
  const admin = kafka.admin();
  await admin.connect();
  let ranges: Ranges;
  const topicOf = new Map<string, TopicName>();
  try {
    // A reader creates no topic: one that does not exist yet has nothing to show.
    const existing = new Set(await admin.listTopics());
    const topics = options.topics.filter((topic) => existing.has(names[topic]));
    options.topics.filter((topic) => !existing.has(names[topic])).forEach((topic) => note(`${names[topic]} (${topic}) does not exist yet`));
    topics.forEach((topic) => topicOf.set(names[topic], topic));
    if (options.group) return await printLags(admin, options.group, topics.map((topic) => names[topic]), options.topicsNamed, out);
    ranges = new Map(
      await Promise.all(
        topics.map(async (topic) => {
          const offsets = await admin.fetchTopicOffsets(names[topic]);
          const range = (p: (typeof offsets)[number]) => ({ start: Number(options.fromBeginning ? p.low : p.high), end: Number(p.high) });
          return [names[topic], new Map(offsets.map((p) => [p.partition, range(p)]))] as const;
        })
      )
    );
  } finally {
    await admin.disconnect();
  }
  if (ranges.size === 0) return;
  await readTopics(kafka, config.clientId, ranges, (message) => toEventLine(topicOf.get(message.topic)!, message), options, out);
}

async function printLags(admin: Admin, group: string, topics: string[], topicsNamed: boolean, out: Writable): Promise<void> {
  for (const topic of topics) {
    const lags = await partitionLags(admin, group, topic);
    // Under --topic all, the topics the group consumes: it is not behind on a topic it never read.
    if (!topicsNamed && lags.every((lag) => lag.committed === null)) continue;
    lags.forEach((lag) => out.write(`${JSON.stringify(lag)}\n`));
  }
}

async function readTopics(
  kafka: Kafka,
  clientId: string,
  ranges: Ranges,
  read: (message: IncomingMessage) => EventLine,
  options: EventsOptions,
  out: Writable
): Promise<void> {
  const unread = new Set([...ranges].flatMap(([topic, partitions]) => [...partitions].filter(([, r]) => r.start < r.end).map(([partition]) => `${topic}/${partition}`)));
  if (options.exitAtEnd && unread.size === 0) return;
  let stopped = false;
  let stop!: () => void;
  const finished = new Promise<void>((resolve) => (stop = () => ((stopped = true), resolve())));
  process.once('SIGINT', stop).once('SIGTERM', stop);
  // A reader gone (`| head`) ends the command rather than crashing it.
  out.once('error', stop);
  const write = async (text: string) => {
    if (!out.write(text)) await Promise.race([once(out, 'drain').catch(() => undefined), finished]);
  };
  // A fresh group per run, never committed to: Kafka forgets it once it is empty, and no real group is touched.
  const groupId = `${clientId}-events-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 500 });
  let printed = 0;
  try {
    const started = (async () => {
      await consumer.connect();
      await consumer.subscribe({ topics: [...ranges.keys()], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ topic, partition, message }) => {
          if (stopped) return;
          const range = ranges.get(topic)?.get(partition) ?? { start: 0, end: Infinity };
          const offset = Number(message.offset);
          // Before the start: fetched before the seek below took effect. Past the end: not wanted with --exit-at-end.
          if (offset < range.start || (options.exitAtEnd && offset >= range.end)) return;
          const line = read({
            key: message.key?.toString() ?? null,
            value: message.value?.toString() ?? null,
            headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)])),
            topic,
            partition,
            offset: message.offset,
          });
          if (isShown(line, options)) {
            await write(`${JSON.stringify(line)}\n`);
            if (options.limit !== undefined && ++printed >= options.limit) stop();
          }
          if (options.exitAtEnd && offset >= range.end - 1 && unread.delete(`${topic}/${partition}`) && unread.size === 0) stop();
        },
      });
      // Seeking with autoCommit off only moves this consumer; it starts each partition where `ranges` says.
      for (const [topic, partitions] of ranges) for (const [partition, { start }] of partitions) consumer.seek({ topic, partition, offset: String(start) });
      note(`reading ${[...ranges.keys()].join(', ')} ${options.fromBeginning ? 'from the beginning' : 'from the end'}; committing nothing (group ${groupId})`);
    })();
    // Ctrl-C works while kafkajs is still connecting, too; a failure after it is of no interest.
    started.catch(() => undefined);
    await Promise.race([started, finished]);
    await finished;
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop);
    out.off('error', stop);
    await consumer.disconnect();
  }
}
