import type { Core } from '@strapi/strapi';
import { createOutbox, type Outbox } from '../strapi-data/outbox';
import { createRecorder, type Recorder } from '../capture/recorder';
import { createOutboxRelay, relayLease, type OutboxRelay } from '../capture/relay';
import { subscribeEntryChanges } from '../capture/entry-listener';
import { subscribeMediaLifecycles } from '../capture/media-listener';
import { createMediaUsage } from '../strapi-data/media-usage';
import { parseConfig, type PluginConfig } from '../config/schema';
import { createLeases } from '../strapi-data/leases';
import type { FeatureExtractor } from '../embedding/extractor';
import { startExtractorThread } from '../embedding/extractor-thread';
import { resolveModel, type ModelSpec } from '../embedding/models';
import type { Indexer } from '../indexing/batch-indexer';
import { startIndexer } from '../indexing/start-indexer';
import { createIndexStateRepository } from '../strapi-data/index-state';
import { createIndexStateTracker, indexStateGroupId, type IndexStateTracker } from '../capture/index-state-tracker';
import { createKafka, createLagProbe, ensureTopics, type LagProbe } from '../messaging/client';
import { createEventConsumer } from '../messaging/consumer';
import { createEventProducer, type EventProducer } from '../messaging/producer';
import { prefixed } from '../utils/logger';
import { ServiceUnavailableError } from '../errors/http-errors';
import { retryUntilReady, settleWithin, SHUTDOWN_STEP_MS } from '../utils/retry';
import { errorMessage } from '../errors/pipeline-errors';
import { createMilvusStore, type VectorStore } from '../vector-store/milvus-store';

/**
 * The plugin's long-lived parts inside Strapi: capture (listeners -> outbox -> relay -> Kafka), the vector store
 * for search, the index-state tracker (index events -> Strapi's database), and the in-process index worker. Connections are retried in the background so Strapi boots, and
 * keeps recording events, while Kafka or Milvus are down.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const logger = prefixed(strapi.log, '[image-search]');
  const leases = createLeases(strapi);
  let config: PluginConfig | undefined;
  let running:
    | {
        abort: AbortController;
        unsubscribe: Array<() => void>;
        producer: EventProducer;
        relay: OutboxRelay;
        tracker: IndexStateTracker;
        outbox: Outbox;
        store: VectorStore;
        storeReady: boolean;
        recorder: Recorder;
        lag: LagProbe;
        /** Loaded by the in-process worker at start, or by the first search by image. */
        extractor?: Promise<FeatureExtractor>;
        worker?: Indexer;
        workerReady: Promise<unknown>;
      }
    | undefined;

  const started = () => {
    if (!running) throw new Error('image-search pipeline is not started');
    return running;
  };

  return {
    config(): PluginConfig {
      config ??= parseConfig(strapi.config.get('plugin::image-search'));
      return config;
    },

    /** The model indexing and search use. */
    model(): ModelSpec {
      return resolveModel(this.config().model);
    },

    async start(): Promise<void> {
      const cfg = this.config();
      const abort = new AbortController();
      const model = this.model();

      const kafka = createKafka(cfg.kafka, logger);
      const producer = createEventProducer(kafka);
      const outbox = createOutbox(strapi);
      const usage = createMediaUsage(strapi);
      const relay = createOutboxRelay({ outbox, producer, topic: cfg.kafka.topic, ...cfg.outbox, lease: relayLease(leases), logger });
      const recorder = createRecorder({ outbox, usage, relay, logger });
      const unsubscribe = [subscribeMediaLifecycles(strapi, recorder), subscribeEntryChanges(strapi, { usage, recorder, logger })];

      const store = createMilvusStore(cfg.milvus, model);
      const tracker = createIndexStateTracker({
        consumer: createEventConsumer(kafka, { groupId: indexStateGroupId(cfg.worker.groupId), topic: cfg.kafka.indexTopic }),
        states: createIndexStateRepository(strapi),
        logger,
      });
      const lag = createLagProbe(kafka, { groupId: cfg.worker.groupId, topic: cfg.kafka.topic });
      running = { abort, unsubscribe, producer, relay, tracker, outbox, store, recorder, lag, storeReady: false, workerReady: Promise.resolve() };
      const state = running;
      const storeReady = retryUntilReady('connecting to Milvus', () => store.ensureCollection().then(() => true), { logger, signal: abort.signal }).then(
        (ok) => {
          state.storeReady = ok !== undefined;
        },
        (error) => logger.error(`the Milvus index cannot be used: ${errorMessage(error)}`)
      );

      retryUntilReady('connecting to Kafka', () => ensureTopics(kafka, cfg.kafka).then(() => producer.connect()).then(() => true), { logger, signal: abort.signal })
        .then((connected) => {
          // Strapi may have been stopped while Kafka was still connecting: then nothing starts.
          if (connected === undefined || abort.signal.aborted) return;
          relay.start();
          return retryUntilReady('following index events', () => tracker.start(), { logger, signal: abort.signal });
        })
        .catch((error) => logger.error(`Kafka connection cannot start: ${(error as Error).message}`));

      if (cfg.worker.inProcess) {
        state.workerReady = (async () => {
          const extractor = await this.extractor();
          await storeReady;
          state.worker = await retryUntilReady(
            'starting the index worker',
            () => startIndexer(cfg, { store, extractor, logger, publicDir: strapi.dirs.static.public }),
            { logger, signal: abort.signal }
          );
          if (state.worker) logger.info(`index worker consuming ${cfg.kafka.topic} as group ${cfg.worker.groupId}`);
        })().catch((error) => logger.error(`index worker cannot start: ${(error as Error).message}`));
      }
    },

    async stop(): Promise<void> {
      if (!running) return;
      const state = running;
      running = undefined;
      state.abort.abort();
      state.unsubscribe.forEach((unsubscribe) => unsubscribe());
      await state.workerReady;
      // Offsets are committed only after success, so work abandoned here is re-delivered later.
      if (state.worker) await settleWithin('stopping the index worker', state.worker.stop(), SHUTDOWN_STEP_MS, logger);
      (await state.extractor?.catch(() => undefined))?.dispose();
      await settleWithin('stopping the outbox relay', state.relay.stop(), SHUTDOWN_STEP_MS, logger);
      await settleWithin('stopping the index-state tracker', state.tracker.stop(), SHUTDOWN_STEP_MS, logger);
      await settleWithin('disconnecting from Kafka', Promise.all([state.producer.disconnect(), state.lag.close()]), SHUTDOWN_STEP_MS, logger);
      await settleWithin('disconnecting from Milvus', state.store.close(), SHUTDOWN_STEP_MS, logger);
    },

    /** The vector store, or a 503 while Milvus is not reachable yet. */
    store(): VectorStore {
      const store = this.storeIfReady();
      if (!store) throw new ServiceUnavailableError('The image index (Milvus) is not reachable yet; try again shortly');
      return store;
    },

    storeIfReady(): VectorStore | undefined {
      const state = started();
      return state.storeReady ? state.store : undefined;
    },

    /**
     * The model, loaded once per process (about 100 MB of weights) in a thread of its own, off the event loop: shared
     * by the worker and search by image.
     */
    extractor(): Promise<FeatureExtractor> {
      const state = started();
      state.extractor ??= startExtractorThread(this.model()).catch((error) => {
        state.extractor = undefined;
        throw error;
      });
      return state.extractor;
    },

    /** Media events the index workers (in-process or not) have yet to consume; null while Kafka is unreachable. */
    async consumerLag(): Promise<number | null> {
      return started()
        .lag.lag()
        .catch(() => null);
    },

    /** Work only one Strapi instance (or request) may do at a time. */
    leases: () => leases,
    outbox: () => started().outbox,
    recorder: () => started().recorder,
    workerRunning: () => !!running?.worker?.running,
  };
};
