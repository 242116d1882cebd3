import type { PluginConfig } from '../config/schema';
import { silentLogger } from '../utils/logger';
import { within } from '../utils/within';
import { createKafka } from './client';

/** What the brokers say about the cluster and the plugin's topics, for `doctor`. */
export interface ClusterReport {
  brokers: number;
  controller: number | null;
  /** Partitions of each topic that exists; topics not created yet are absent. */
  partitions: Map<string, number>;
}

/** Asks the cluster, each call bounded by `timeoutMs`. */
export async function inspectCluster(config: PluginConfig['kafka'], topics: readonly string[], timeoutMs: number): Promise<ClusterReport> {
  const admin = createKafka(config, silentLogger).admin();
  try {
    await within(timeoutMs, admin.connect());
    const cluster = await within(timeoutMs, admin.describeCluster());
    const existing = new Set(await within(timeoutMs, admin.listTopics()));
    const { topics: metadata } = await within(timeoutMs, admin.fetchTopicMetadata({ topics: topics.filter((topic) => existing.has(topic)) }));
    return { brokers: cluster.brokers.length, controller: cluster.controller, partitions: new Map(metadata.map((topic) => [topic.name, topic.partitions.length])) };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
