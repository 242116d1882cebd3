import type { PluginConfig } from '../config/schema';
import type { FeatureExtractor } from '../features/extractor';
import { createEventConsumer } from '../kafka/consumer';
import { createKafka, ensureTopic } from '../kafka/client';
import type { Logger } from '../logger';
import type { VectorStore } from '../vector-store/milvus-store';
import { createEmbedder } from './embedder';
import { createFileSource } from './file-source';
import { createMediaEventHandlers } from './handlers';
import { createIndexWorker, type IndexWorker } from './index-worker';

/** Wires the indexing pipeline (Kafka -> fetch + decode -> model -> Milvus); shared by the in-process and standalone workers. */
export async function startIndexWorker(
  config: PluginConfig,
  deps: { store: VectorStore; extractor: FeatureExtractor; logger: Logger; publicDir?: string }
): Promise<IndexWorker> {
  const { store, extractor, logger } = deps;
  const kafka = createKafka(config.kafka, logger);
  await ensureTopic(kafka, config.kafka);
  const readFile = createFileSource({ publicDir: config.worker.publicDir ?? deps.publicDir, publicBaseUrl: config.worker.publicBaseUrl });
  const worker = createIndexWorker({
    consumer: createEventConsumer(kafka, { groupId: config.worker.groupId, topic: config.kafka.topic, logger }),
    handlers: createMediaEventHandlers({ store }),
    embedder: createEmbedder({ extractor, readFile, decode: config.preprocessing, concurrency: config.worker.decodeConcurrency }),
    batchSize: config.worker.batchSize,
    logger,
  });
  await worker.start();
  return worker;
}
