import { parseConfig } from '../config/schema';
import { loadExtractor } from '../embedding/extractor';
import { resolveModel } from '../embedding/models';
import { startIndexer, type RunningIndexer } from '../indexing/start-indexer';
import { consoleLogger } from '../utils/logger';
import { retryUntilReady, settleWithin, SHUTDOWN_STEP_MS, WORKER_DRAIN_MS } from '../utils/retry';
import { connectStore, createMilvusStore } from '../vector-store/milvus-store';

/**
 * The standalone index worker: the consumer the plugin otherwise runs inside Strapi, as its own process.
 * Indexing scales out by starting more of them with the same worker.groupId (up to the topic's partition count).
 * Its config file holds the plugin's config object, the same one as in the Strapi app's config/plugins.
 */

const logger = consoleLogger;

/** Runs until SIGINT/SIGTERM, then finishes the current event, disconnects and exits. */
export async function runWorker(rawConfig: unknown): Promise<void> {
  const config = parseConfig(rawConfig);
  if (!config.worker.publicDir && !config.worker.publicBaseUrl) {
    logger.warn('neither worker.publicDir nor worker.publicBaseUrl is set: files with relative URLs (local upload provider) cannot be read');
  }
  const model = resolveModel(config.model);
  const abort = new AbortController();
  const milvus = { store: createMilvusStore(config.milvus, model) };
  const extractor = await loadExtractor(model);
  logger.info(`model ${model.id} loaded from ${model.source.path}`);

  let worker: RunningIndexer | undefined;
  let stopping: Promise<void> | undefined;
  const shutdown = (signal: string) =>
    (stopping ??= (async () => {
      logger.info(`${signal}: finishing the current event and stopping`);
      abort.abort();
      if (worker) await settleWithin('stopping the consumer', worker.stop(), WORKER_DRAIN_MS, logger);
      extractor.dispose();
      await settleWithin('disconnecting from Milvus', milvus.store.close(), SHUTDOWN_STEP_MS, logger);
      process.exit(0);
    })());
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  if (!(await connectStore(milvus, config.milvus, model, { logger, signal: abort.signal }))) return;
  const { store } = milvus;
  worker = await retryUntilReady('starting the index worker', () => startIndexer(config, { store, extractor, logger }), {
    logger,
    signal: abort.signal,
  });
  if (worker) logger.info(`consuming ${config.kafka.topic} as group ${config.worker.groupId} into Milvus collection ${store.collection}`);
}
