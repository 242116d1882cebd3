import { Kafka, logLevel, type Admin, type SASLOptions } from 'kafkajs';
import type { PluginConfig } from '../config/schema';
import type { Logger } from '../utils/logger';
import { within } from '../utils/within';

/** kafkajs stays behind this folder: the rest of the plugin sees only these small interfaces. */

/** kafkajs's warning that an idempotent producer's retries are bounded: ours are on purpose (producer.ts). */
const BOUNDED_RETRIES_WARNING = 'Limiting retries for the idempotent producer may invalidate EoS guarantees';

export function createKafka(config: PluginConfig['kafka'], logger: Logger): Kafka {
  return new Kafka({
    clientId: config.clientId,
    brokers: config.brokers,
    ssl: config.ssl,
    sasl: config.sasl as SASLOptions | undefined,
    logLevel: logLevel.WARN,
    logCreator: () => ({ namespace, level, log }) => {
      const text = `[kafka] ${log.message}${log.error ? `: ${log.error}` : ''}`;
      // Per-request errors (e.g. a partition leader still being elected) are retried above and reported there if fatal.
      if (namespace === 'Connection') logger.debug(text);
      else if (level <= logLevel.ERROR) logger.error(text);
      else if (level === logLevel.WARN && log.message !== BOUNDED_RETRIES_WARNING) logger.warn(text);
      else logger.debug(text);
    },
    retry: { initialRetryTime: 300, retries: 8 },
  });
}

/** Creates the media, index and dead-letter topics when missing; a no-op for those that exist. */
export async function ensureTopics(kafka: Kafka, config: PluginConfig['kafka']): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [config.topic, config.indexTopic, config.deadLetterTopic].map((topic) => ({
        topic,
        numPartitions: config.topicPartitions,
        replicationFactor: config.replicationFactor,
      })),
    });
  } finally {
    await admin.disconnect();
  }
}

/** How far a consumer group is behind a topic: messages published but not yet committed by the group. */
export interface LagProbe {
  lag(): Promise<number>;
  close(): Promise<void>;
}

export interface PartitionLag {
  group: string;
  topic: string;
  partition: number;
  /** The next offset the group will read; null where it never committed. */
  committed: number | null;
  /** The partition's end (high watermark). */
  end: number;
  lag: number;
}

/** How far `groupId` is behind on each partition of `topic`. */
export async function partitionLags(admin: Admin, groupId: string, topic: string): Promise<PartitionLag[]> {
  const [ends, [committed]] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
  const at = new Map(committed.partitions.map((p) => [p.partition, Number(p.offset)]));
  return [...ends]
    .sort((a, b) => a.partition - b.partition)
    .map(({ partition, high, low }) => {
      const offset = at.get(partition) ?? -1;
      const end = Number(high);
      // A partition the group never committed on (offset -1) is behind by everything still retained on it.
      return { group: groupId, topic, partition, committed: offset < 0 ? null : offset, end, lag: Math.max(0, end - (offset < 0 ? Number(low) : offset)) };
    });
}

/** Messages of `topic` that `groupId` has not committed yet, over all partitions. */
export async function groupLag(admin: Admin, groupId: string, topic: string): Promise<number> {
  return (await partitionLags(admin, groupId, topic)).reduce((sum, { lag }) => sum + lag, 0);
}

/** How long a lag question waits for Kafka: the status page polls it, and kafkajs retries a down broker for a minute. */
export const LAG_ANSWER_MS = 3000;

export function createLagProbe(kafka: Pick<Kafka, 'admin'>, options: { groupId: string; topic: string; answerMs?: number }): LagProbe {
  const admin = kafka.admin();
  let connected: Promise<void> | undefined;
  // One question at a time: polls while Kafka is down share the one still retrying instead of piling up.
  let asking: Promise<number> | undefined;
  const ask = async () => {
    connected ??= admin.connect().catch((error) => {
      connected = undefined;
      throw error;
    });
    await connected;
    return groupLag(admin, options.groupId, options.topic);
  };
  return {
    lag() {
      asking ??= ask().finally(() => (asking = undefined));
      return within(options.answerMs ?? LAG_ANSWER_MS, asking);
    },
    async close() {
      if (connected) await admin.disconnect();
    },
  };
}
