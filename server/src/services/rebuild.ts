import type { Core } from '@strapi/strapi';
import type { RebuildStarted } from '../contracts/http';
import { LeaseTakenError } from '../strapi-data/leases';
import { errorMessage } from '../errors/pipeline-errors';
import { ConflictError } from '../errors/http-errors';
import { runtimeOf, type Runtime } from '../runtime/runtime';
import { repeatEvery } from '../utils/repeat-every';
import type { IndexCollection } from '../vector-store/types';

/** How often a Strapi instance checks whether the rebuild under way can be completed. */
const CHECK_INTERVAL_MS = 5000;

/**
 * Zero-downtime rebuild of the current model's index: a new collection is filled while searches keep using the
 * old one, then the collection's alias moves to it in one step. Milvus holds the state (the `_next` alias), so a
 * rebuild survives a crash of any process: Strapi follows it again at startup, and starting it again re-queues
 * only what the new collection still lacks.
 */
export type RebuildDeps = Pick<Runtime, 'reconciler' | 'outbox' | 'consumerLag' | 'store' | 'storeIfReady' | 'leases' | 'logger'>;

export function createRebuildService({ reconciler, outbox, consumerLag, store, storeIfReady, leases, logger }: RebuildDeps) {
  let stopChecking: (() => void) | undefined;

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

  const service = {
    /** Starts a rebuild, or resumes the one under way; returns how many images were queued for it. */
    async start(): Promise<RebuildStarted> {
      const report = await exclusively(async () => {
        await store().beginRebuild();
        const target = await store().rebuildTarget();
        return target && (await fill(target));
      }).catch((error) => {
        if (error instanceof LeaseTakenError) throw new ConflictError('A rebuild is being started or completed right now; try again in a moment', { running: true });
        throw error;
      });
      service.watch();
      return { queued: report?.queued ?? 0 };
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
          if (!target || (await exclusively(() => completeIfFilled(target)))) service.stopWatching();
        },
        // Another instance (or a start) holds the rebuild: its check counts for this one's.
        (error) => (error instanceof LeaseTakenError || error instanceof ConflictError ? undefined : logger.warn(`rebuild check failed, retrying: ${errorMessage(error)}`))
      );
    },

    stopWatching(): void {
      stopChecking?.();
      stopChecking = undefined;
    },
  };
  return service;
}

export type RebuildService = ReturnType<typeof createRebuildService>;

export default ({ strapi }: { strapi: Core.Strapi }) => createRebuildService(runtimeOf(strapi));
