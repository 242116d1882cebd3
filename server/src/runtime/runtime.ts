import type { Core } from '@strapi/strapi';
import { subscribeEntryChanges } from '../capture/entry-listener';
import { createIndexStateTracker, indexStateGroupId, type IndexStateTracker } from '../capture/index-state-tracker';
import { subscribeMediaLifecycles } from '../capture/media-listener';
import { createRecorder, type Recorder } from '../capture/recorder';
import { createOutboxRelay, relayLease } from '../capture/relay';
import { parseConfig, type PluginConfig } from '../config/schema';
import { PLUGIN_ID } from '../contracts/permissions';
import type { FeatureExtractor } from '../embedding/extractor';
import { startExtractorProcess } from '../embedding/extractor-process';
import { resolveModel, type ModelSpec } from '../embedding/models';
import { ServiceUnavailableError } from '../errors/http-errors';
import { errorMessage, UnavailableError } from '../errors/pipeline-errors';
import { within } from '../utils/within';
import { createEmbedder, type Embedder } from '../indexing/embedder';
import { startIndexer, type RunningIndexer } from '../indexing/start-indexer';
import { createDuplicateScanner, type DuplicateScanner } from '../maintenance/duplicate-scanner';
import { createReconciler, type Reconciler } from '../maintenance/reconciler';
import { createSpaceLearner, type SpaceLearner } from '../maintenance/space-learner';
import { createKafka, createLagProbe, ensureTopics, type LagProbe } from '../messaging/client';
import { createEventConsumer } from '../messaging/consumer';
import { createEventProducer } from '../messaging/producer';
import { createFileRecords, type FileRecords } from '../strapi-data/file-records';
import { createDuplicateGraph, type DuplicateGraph } from '../strapi-data/duplicate-graph';
import { createIndexStateRepository, type IndexStateRepository } from '../strapi-data/index-state';
import { createLeases, type Leases } from '../strapi-data/leases';
import { createMediaUsage, type MediaUsage } from '../strapi-data/media-usage';
import { createNotDuplicatesRepository, type NotDuplicatesRepository } from '../strapi-data/not-duplicates';
import { createOutbox, type Outbox } from '../strapi-data/outbox';
import { createSpaceFits } from '../strapi-data/space-fits';
import { prefixed, type Logger } from '../utils/logger';
import { retryUntilReady, settleWithin, SHUTDOWN_STEP_MS, WORKER_DRAIN_MS } from '../utils/retry';
import { connectStore, createMilvusStore } from '../vector-store/milvus-store';
import { createDecisionsBySpace, type DecisionIn } from '../similarity/duplicate-decision';
import { createFileSource } from '../indexing/file-source';
import { createVerificationImageMaker } from '../verification/from-file';
import { siteCacheDir, siteImageCache } from '../verification/image-cache';
import { startComparerThread } from '../verification/comparer-thread';
import { createPairVerifier, type PairVerifier } from '../verification/pair-verifier';
import type { VectorStore } from '../vector-store/types';
import type { Space } from '../whitening/projection';

/**
 * What the plugin runs on inside Strapi, built once when Strapi registers the plugin: the config and the model,
 * the repositories of Strapi's database, capture (listeners -> outbox -> relay -> Kafka), and, once started, the
 * vector store, the index-state tracker and the in-process indexer. Connections are retried in the background, so
 * Strapi boots, and keeps recording events, while Kafka or Milvus are down. Services take what they use from it.
 */
export interface Runtime {
  readonly config: PluginConfig;
  /** The model indexing and search use. */
  readonly model: ModelSpec;
  readonly logger: Logger;
  /** Work only one Strapi instance (or request) may do at a time. */
  readonly leases: Leases;
  readonly files: FileRecords;
  readonly usage: MediaUsage;
  readonly states: IndexStateRepository;
  readonly notDuplicates: NotDuplicatesRepository;
  /** Pairs of copies, kept from the index events and rebuilt by the duplicate scan. */
  readonly graph: DuplicateGraph;
  readonly outbox: Outbox;
  readonly recorder: Recorder;
  readonly reconciler: Reconciler;
  /** Pair checks that can fetch the files they need: the decision's stage 2. */
  readonly verifier: PairVerifier;
  /** The site's duplicate decision in a space, with those pair checks. */
  readonly decisionIn: DecisionIn;
  readonly duplicateScanner: DuplicateScanner;
  /** Learns the space a rebuilt index is built in, from the library. */
  readonly spaceLearner: SpaceLearner;
  /** The vector store, or a 503 while Milvus is not reachable yet. */
  store(): VectorStore;
  /**
   * The serving collection's space, for what only needs its thresholds (the duplicates listing, status): the last
   * one known while Milvus is unreachable.
   */
  space(): Promise<Space>;
  storeIfReady(): VectorStore | undefined;
  /** The model, loaded once (about 100 MB of weights) in a thread of its own: shared by the indexer and search by image. */
  extractor(): Promise<FeatureExtractor>;
  /** The embedder over that model, for images in hand (search by image). */
  embedder(): Promise<Embedder>;
  /** Media events the index workers (in-process or not) have yet to consume; null while Kafka is unreachable. */
  consumerLag(): Promise<number | null>;
  workerRunning(): boolean;
  /** Records media changes into the outbox from now on: in every process that loads Strapi, CLI commands too. */
  capture(): Promise<void>;
  /** Connects to Kafka and Milvus and starts the relay, the tracker and the in-process worker: a serving Strapi. */
  start(): void;
  stop(): Promise<void>;
}

/** The runtime of this Strapi, which Strapi keeps as the plugin's `runtime` service. */
export const runtimeOf = (strapi: Core.Strapi): Runtime => strapi.plugin(PLUGIN_ID).service('runtime') as Runtime;

/** Milvus's answer about the serving space is waited for this long before the last one known is used. */
const SPACE_ANSWER_MS = 3000;

export function createRuntime(strapi: Core.Strapi): Runtime {
  const config = parseConfig(strapi.config.get(`plugin::${PLUGIN_ID}`));
  const model = resolveModel(config.model);
  const logger = prefixed(strapi.log, `[${PLUGIN_ID}]`);
  const leases = createLeases(strapi);
  const files = createFileRecords(strapi);
  const usage = createMediaUsage(strapi);
  const states = createIndexStateRepository(strapi);
  const graph = createDuplicateGraph(strapi);
  const outbox = createOutbox(strapi);
  // Clients connect on start; until then, recorded events wait in the outbox.
  const kafka = createKafka(config.kafka, logger);
  const producer = createEventProducer(kafka);
  const relay = createOutboxRelay({ outbox, producer, topics: { media: config.kafka.topic, index: config.kafka.indexTopic }, ...config.outbox, lease: relayLease(leases), logger });
  const recorder = createRecorder({ outbox, usage, relay, logger });
  const readFile = createFileSource({ publicDir: config.worker.publicDir ?? strapi.dirs.static.public, publicBaseUrl: config.worker.publicBaseUrl, maxBytes: config.worker.maxFileBytes });
  // Pair checks here make a verification image the worker's cache lacks from the file itself.
  const makeMissing = createVerificationImageMaker({
    urlOf: async (fileId) => (await files.findOne(fileId))?.url ?? null,
    readFile,
    decode: { ...config.preprocessing, size: model.inputSize },
    logger,
  });
  const compare = startComparerThread({ featuresDir: siteCacheDir(config) });
  const verifier = createPairVerifier({ images: siteImageCache(config), makeMissing, compare });
  const decisionIn = createDecisionsBySpace({ search: config.search, verifier });
  let knownSpace: Space | undefined;

  interface Running {
    abort: AbortController;
    tracker: IndexStateTracker;
    store: VectorStore;
    storeReady: boolean;
    lag: LagProbe;
    /** Loaded by the in-process indexer at start, or by the first search by image. */
    extractor?: Promise<FeatureExtractor>;
    indexer?: RunningIndexer;
    indexerReady: Promise<unknown>;
  }
  let running: Running | undefined;
  let captured: Array<() => void> = [];

  /** Undoes start(), each step bounded: a dependency that is down must not hold the shutdown. */
  async function stopServing(state: Running): Promise<void> {
    state.abort.abort();
    await state.indexerReady;
    // It drains like a standalone worker; offsets are committed only after success, so work abandoned here is re-delivered later.
    if (state.indexer) await settleWithin('stopping the index worker', state.indexer.stop(), WORKER_DRAIN_MS, logger);
    (await state.extractor?.catch(() => undefined))?.dispose();
    await settleWithin('stopping the outbox relay', relay.stop(), SHUTDOWN_STEP_MS, logger);
    await settleWithin('stopping the index-state tracker', state.tracker.stop(), SHUTDOWN_STEP_MS, logger);
    await settleWithin('disconnecting from Kafka', Promise.all([producer.disconnect(), state.lag.close()]), SHUTDOWN_STEP_MS, logger);
    await settleWithin('disconnecting from Milvus', state.store.close(), SHUTDOWN_STEP_MS, logger);
  }

  const started = () => {
    if (!running) throw new Error(`${PLUGIN_ID} is not started`);
    return running;
  };

  const runtime: Runtime = {
    config,
    model,
    logger,
    leases,
    files,
    usage,
    states,
    notDuplicates: createNotDuplicatesRepository(strapi),
    graph,
    outbox,
    recorder,
    reconciler: createReconciler({ files, usage, states, recorder, leases, model, store: () => runtime.store() }),
    verifier,
    decisionIn,
    duplicateScanner: createDuplicateScanner({ decisionIn, model, graph, states, leases, logger, store: () => runtime.store() }),
    spaceLearner: createSpaceLearner({
      config,
      model,
      files,
      readFile,
      embedder: () => runtime.embedder(),
      extractor: () => runtime.extractor(),
      projections: () => runtime.store().projections,
      fits: createSpaceFits(strapi),
      logger,
    }),

    async capture() {
      await states.upgradeRows();
      captured = [subscribeMediaLifecycles(strapi, recorder), subscribeEntryChanges(strapi, { files, usage, recorder, logger })];
    },

    start() {
      if (running) return;
      const abort = new AbortController();
      const tracker = createIndexStateTracker({
        consumer: createEventConsumer(kafka, { groupId: indexStateGroupId(config.worker.groupId), topic: config.kafka.indexTopic }),
        states,
        graph,
        logger,
      });
      const lag = createLagProbe(kafka, { groupId: config.worker.groupId, topic: config.kafka.topic });
      const state: Running = { abort, tracker, store: createMilvusStore(config.milvus, model), lag, storeReady: false, indexerReady: Promise.resolve() };
      running = state;
      const storeReady = connectStore(state, config.milvus, model, { logger, signal: abort.signal }).then(
        (ready) => {
          state.storeReady = ready;
        },
        (error) => logger.error(`the Milvus index cannot be used: ${errorMessage(error)}`)
      );

      retryUntilReady('connecting to Kafka', () => ensureTopics(kafka, config.kafka).then(() => producer.connect()).then(() => true), { logger, signal: abort.signal })
        .then((connected) => {
          // Strapi may have been stopped while Kafka was still connecting: then nothing starts.
          if (connected === undefined || abort.signal.aborted) return;
          relay.start();
          return retryUntilReady('following index events', () => tracker.start(), { logger, signal: abort.signal });
        })
        .catch((error) => logger.error(`Kafka connection cannot start: ${(error as Error).message}`));

      if (config.worker.inProcess) {
        state.indexerReady = (async () => {
          const extractor = await runtime.extractor();
          await storeReady;
          state.indexer = await retryUntilReady(
            'starting the index worker',
            () => startIndexer(config, { store: state.store, extractor, logger, publicDir: strapi.dirs.static.public }),
            { logger, signal: abort.signal }
          );
          if (state.indexer) logger.info(`index worker consuming ${config.kafka.topic} as group ${config.worker.groupId}`);
        })().catch((error) => logger.error(`index worker cannot start: ${(error as Error).message}`));
      }
    },

    async stop() {
      captured.forEach((unsubscribe) => unsubscribe());
      captured = [];
      const state = running;
      running = undefined;
      if (state) await stopServing(state);
      await compare.close();
    },

    store() {
      const store = runtime.storeIfReady();
      if (!store) throw new ServiceUnavailableError('The image index (Milvus) is not reachable yet; try again shortly');
      return store;
    },

    async space() {
      try {
        knownSpace = (await within(SPACE_ANSWER_MS, runtime.store().serving())).space;
      } catch (error) {
        if (!knownSpace) throw error instanceof UnavailableError || error instanceof ServiceUnavailableError ? error : new UnavailableError(errorMessage(error));
      }
      return knownSpace;
    },

    storeIfReady() {
      const state = started();
      return state.storeReady ? state.store : undefined;
    },

    extractor() {
      const state = started();
      state.extractor ??= startExtractorProcess(model).catch((error) => {
        state.extractor = undefined;
        throw error;
      });
      return state.extractor;
    },

    embedder: async () => createEmbedder({ extractor: await runtime.extractor(), decode: config.preprocessing, concurrency: config.worker.decodeConcurrency }),

    consumerLag: () =>
      started()
        .lag.lag()
        .catch(() => null),

    workerRunning: () => !!running?.indexer?.running,
  };
  return runtime;
}
