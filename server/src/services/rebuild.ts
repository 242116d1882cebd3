import type { Core } from '@strapi/strapi';
import type { RebuildStarted } from '../contracts/http';
import { LeaseTakenError } from '../strapi-data/leases';
import { errorMessage } from '../errors/pipeline-errors';
import { ConflictError } from '../errors/http-errors';
import { runtimeOf, type Runtime } from '../runtime/runtime';
import { repeatEvery } from '../utils/repeat-every';
import type { IndexCollection } from '../vector-store/types';
import { identitySpace } from '../whitening/projection';

/** How often a Strapi instance checks whether the rebuild under way can be completed. */
const CHECK_INTERVAL_MS = 5000;
/** How often an instance checks whether the library has grown enough for the index to learn its whitening. */
const LIBRARY_CHECK_INTERVAL_MS = 60_000;
/** A fit that did not end in a learned space is not tried again by itself sooner than this. */
const RETRY_FIT_AFTER_MS = 60 * 60_000;
/** A space learned from fewer images than a sample is learned again once the library is this many times larger. */
const GROWTH_TO_RELEARN = 4;

/**
 * Zero-downtime rebuild of the current model's index: the library's whitening is learned first (a sample of its
 * images, minutes), then a new collection in that space is filled while searches keep using the old one, then the
 * collection's alias moves to it in one step. Milvus holds the state (the `_next` alias), so a rebuild survives a
 * crash of any process once its collection exists: Strapi follows it again at startup, and starting it again
 * re-queues only what the new collection still lacks. A crash while learning loses the fit; starting again learns
 * anew. An index still in the model's own space rebuilds by itself once the library has enough images to learn from,
 * and again once it has grown enough to learn better.
 */
export type RebuildDeps = Pick<Runtime, 'config' | 'model' | 'files' | 'reconciler' | 'outbox' | 'consumerLag' | 'store' | 'storeIfReady' | 'space' | 'spaceLearner' | 'leases' | 'logger'>;

export function createRebuildService({ config, model, files, reconciler, outbox, consumerLag, store, storeIfReady, space, spaceLearner, leases, logger }: RebuildDeps) {
  let stopChecking: (() => void) | undefined;
  let stopLibraryChecks: (() => void) | undefined;

  const stopFollowing = () => {
    stopChecking?.();
    stopChecking = undefined;
  };

  /** Compares the new collection with Strapi's files and queues what it lacks (every image, at first). */
  const fill = (target: IndexCollection) => reconciler.reconcile({ graceMs: 0, retryFailed: false, target });

  /**
   * Completes the rebuild once nothing is on its way (outbox and consumer lag empty) and the new collection
   * holds every image: a last comparison queues nothing. Returns whether it completed.
   */
  async function completeIfFilled(target: IndexCollection): Promise<boolean> {
    const [{ pending }, lag] = await Promise.all([outbox.pendingStats(), consumerLag()]);
    if (pending > 0 || lag !== 0) return false;
    const report = await fill(target);
    if (report.queued + report.moved + report.orphansDeleted > 0) return false;
    await store().completeRebuild();
    logger.info(`rebuild complete: ${report.indexed} images moved to the new collection, the old one dropped`);
    return true;
  }

  /** Starting and completing a rebuild: one Strapi instance (or request) at a time. */
  const exclusively = <T>(work: () => Promise<T>) => leases.exclusive([`rebuild:${store().collection}`], work);

  /** Learns the new space, then creates the collection in it and queues every image for it. */
  const learnAndBegin = () =>
    spaceLearner.learn(async (space) => {
      await store().beginRebuild(space);
      const target = await store().rebuildTarget();
      if (target) await fill(target);
    });

  const service = {
    /**
     * Starts a rebuild, or resumes the one under way. A new one learns its space first, in the background: the
     * answer comes once that started (`learning`), and the images are queued after it. A 409 while another request
     * or instance is starting or learning one.
     */
    start(): Promise<RebuildStarted> {
      let answered = false;
      return new Promise<RebuildStarted>((resolve, reject) => {
        const answer = (started: RebuildStarted) => {
          answered = true;
          resolve(started);
        };
        exclusively(async () => {
          if (!(await store().rebuildTarget()) && !(await spaceLearner.canLearn())) await store().beginRebuild(identitySpace(model.dim));
          const target = await store().rebuildTarget();
          if (target) return answer({ queued: (await fill(target)).queued, learning: false });
          answer({ queued: 0, learning: true });
          await learnAndBegin();
        }).then(
          () => service.watch(),
          (error) => {
            if (answered) return logger.warn(`the rebuild stopped: ${errorMessage(error)}; start it again to resume`);
            reject(error instanceof LeaseTakenError ? new ConflictError('A rebuild is being started, learned or completed right now; try again in a moment', { running: true }) : error);
          }
        );
      });
    },

    /**
     * Starts a rebuild when the index is still in the model's own space and the library has grown enough to learn
     * from, or its space was learned from a small library that has grown GROWTH_TO_RELEARN times since; a fit is not
     * retried within an hour of the last. Checked every minute; one instance at a time starts it.
     */
    watchLibrary(): void {
      if (!config.whitening.enabled || !config.whitening.automatic) return;
      stopLibraryChecks ??= repeatEvery(
        LIBRARY_CHECK_INTERVAL_MS,
        async () => {
          const serving = storeIfReady();
          if (!serving || (await serving.rebuildTarget())) return;
          const learnedFrom = (await space()).projection?.fittedOn.images ?? 0;
          // Fully learned: from a whole sample, or from the library as it was when it was no larger than one.
          if (learnedFrom >= config.whitening.sampleSize) return;
          const latest = await spaceLearner.latest();
          if (latest && Date.now() - Date.parse(latest.startedAt) < RETRY_FIT_AFTER_MS) return;
          const images = await files.countImages();
          const enough = learnedFrom === 0 ? config.whitening.minImages : GROWTH_TO_RELEARN * learnedFrom;
          if (images < enough) return;
          logger.info(`the library has ${images} images, enough to learn its whitening${learnedFrom ? ` again (it learned from ${learnedFrom})` : ''}: rebuilding the index`);
          await service.start();
        },
        (error) => (error instanceof ConflictError ? undefined : logger.warn(`could not start learning the index's whitening: ${errorMessage(error)}`))
      );
    },

    /**
     * Checks every few seconds whether a rebuild is under way and can complete; stops once none is. Started at
     * startup too, to follow a rebuild an earlier process left under way.
     */
    watch(): void {
      stopChecking ??= repeatEvery(
        CHECK_INTERVAL_MS,
        async () => {
          const serving = storeIfReady();
          if (!serving) return;
          const target = await serving.rebuildTarget();
          if (!target || (await exclusively(() => completeIfFilled(target)))) stopFollowing();
        },
        // Another instance (or a start) holds the rebuild: its check counts for this one's.
        (error) => (error instanceof LeaseTakenError || error instanceof ConflictError ? undefined : logger.warn(`rebuild check failed, retrying: ${errorMessage(error)}`))
      );
    },

    stopWatching(): void {
      stopFollowing();
      stopLibraryChecks?.();
      stopLibraryChecks = undefined;
    },
  };
  return service;
}

export type RebuildService = ReturnType<typeof createRebuildService>;

export default ({ strapi }: { strapi: Core.Strapi }) => createRebuildService(runtimeOf(strapi));
