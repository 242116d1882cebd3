import type { Core } from '@strapi/strapi';
import type { RebuildStarted } from '../contracts/http';
import { errorMessage } from '../errors';
import { prefixed } from '../logger';
import { getService } from '../utils/get-service';

/** How often a Strapi instance checks whether the rebuild under way can be completed. */
const CHECK_INTERVAL_MS = 5000;

/**
 * Zero-downtime rebuild of the current model's index: a new collection is filled while searches keep using the
 * old one, then the collection's alias moves to it in one step. Milvus holds the state (the `_next` alias), so a
 * rebuild survives a crash of any process: Strapi follows it again at startup, and starting it again re-queues
 * only what the new collection still lacks.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const logger = prefixed(strapi.log, '[image-search]');
  let timer: NodeJS.Timeout | undefined;
  let checking = false;

  const store = () => getService(strapi, 'pipeline').store();
  /** Compares the new collection with Strapi's files and queues what it lacks (every image, at first). */
  const fill = async () => {
    const target = await store().rebuildTarget();
    return target && getService(strapi, 'reconcile').reconcile({ graceMs: 0, retryFailed: false, target });
  };

  const service = {
    /** Starts a rebuild, or resumes the one under way; returns how many images were queued for it. */
    async start(): Promise<RebuildStarted> {
      await store().beginRebuild();
      const report = await fill();
      service.watch();
      return { queued: report?.queued ?? 0 };
    },

    /**
     * Completes the rebuild once nothing is on its way (outbox and consumer lag empty) and the new collection
     * holds every image: a last comparison queues nothing. Returns whether it completed.
     */
    async completeIfFilled(): Promise<boolean> {
      const pipeline = getService(strapi, 'pipeline');
      if (!(await store().rebuildTarget())) return false;
      const [{ pending }, lag] = await Promise.all([pipeline.outbox().pendingStats(), pipeline.consumerLag()]);
      if (pending > 0 || lag !== 0) return false;
      const report = await fill();
      if (!report || report.queued + report.moved + report.orphansDeleted > 0) return false;
      await store().completeRebuild();
      logger.info(`rebuild complete: ${report.indexed} images moved to the new collection, the old one dropped`);
      return true;
    },

    /**
     * Checks every few seconds whether a rebuild is under way and can complete; stops once none is. Started at
     * startup too, to follow a rebuild an earlier process left under way.
     */
    watch(): void {
      if (timer) return;
      timer = setInterval(async () => {
        const ready = getService(strapi, 'pipeline').storeIfReady();
        if (checking || !ready) return;
        checking = true;
        try {
          if (!(await ready.rebuildTarget()) || (await service.completeIfFilled())) service.stopWatching();
        } catch (error) {
          logger.warn(`rebuild check failed, retrying: ${errorMessage(error)}`);
        } finally {
          checking = false;
        }
      }, CHECK_INTERVAL_MS);
      timer.unref();
    },

    stopWatching(): void {
      clearInterval(timer);
      timer = undefined;
    },
  };
  return service;
};
