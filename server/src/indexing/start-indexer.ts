import type { PluginConfig } from '../config/schema';
import { toKafkaMessage } from '../contracts/events';
import type { FeatureExtractor } from '../embedding/extractor';
import { createEventConsumer } from '../messaging/consumer';
import { createKafka, ensureTopics } from '../messaging/client';
import { createEventProducer } from '../messaging/producer';
import type { Logger } from '../utils/logger';
import type { VectorStore } from '../vector-store/types';
import { createDecisionsBySpace } from '../similarity/duplicate-decision';
import { createDuplicateDetector } from '../similarity/duplicate-detector';
import { siteCacheDir, siteImageCache } from '../verification/image-cache';
import { startComparerThread } from '../verification/comparer-thread';
import { createPairVerifier } from '../verification/pair-verifier';
import { toSpace } from '../whitening/projection';
import { createEmbedder } from './embedder';
import { createFileSource } from './file-source';
import { createMediaEventHandlers } from './handlers';
import { createBatchIndexer, type Indexer } from './batch-indexer';

/** An indexer started by `startIndexer`: it only stops. */
export type RunningIndexer = Pick<Indexer, 'stop' | 'running'>;

/**
 * Wires the indexing pipeline (media topic -> fetch + decode -> model -> Milvus, outcomes -> index topic); shared
 * by the in-process and standalone workers.
 */
export async function startIndexer(
  config: PluginConfig,
  deps: { store: VectorStore; extractor: FeatureExtractor; logger: Logger; publicDir?: string }
): Promise<RunningIndexer> {
  const { store, extractor, logger } = deps;
  const kafka = createKafka(config.kafka, logger);
  await ensureTopics(kafka, config.kafka);
  const producer = createEventProducer(kafka);
  await producer.connect();
  const images = siteImageCache(config);
  const compare = startComparerThread({ featuresDir: siteCacheDir(config) });
  const detect = createDuplicateDetector({ decisionIn: createDecisionsBySpace({ search: config.search, verifier: createPairVerifier({ images, compare }) }) });
  const readFile = createFileSource({ publicDir: config.worker.publicDir ?? deps.publicDir, publicBaseUrl: config.worker.publicBaseUrl, maxBytes: config.worker.maxFileBytes });
  const worker = createBatchIndexer({
    consumer: createEventConsumer(kafka, { groupId: config.worker.groupId, topic: config.kafka.topic }),
    handlers: createMediaEventHandlers({ store, images }),
    embedder: createEmbedder({ extractor, readFile, decode: config.preprocessing, concurrency: config.worker.decodeConcurrency, useStoredFormats: config.worker.useStoredFormats }),
    appliedVersions: (fileIds) => store.appliedVersions(fileIds),
    report: (events) => producer.send(config.kafka.indexTopic, events.map(toKafkaMessage)),
    deadLetter: (letters) => producer.send(config.kafka.deadLetterTopic, letters),
    model: extractor.model.id,
    detectDuplicates: async (fileId, vector) => {
      const served = await store.serving();
      return detect(served, fileId, toSpace(served.space, vector));
    },
    batchSize: config.worker.batchSize,
    logger,
  });
  try {
    await worker.start();
  } catch (error) {
    await Promise.all([producer.disconnect().catch(() => undefined), compare.close()]);
    throw error;
  }
  return {
    get running() {
      return worker.running;
    },
    async stop() {
      await worker.stop();
      await Promise.all([producer.disconnect(), compare.close()]);
    },
  };
}
