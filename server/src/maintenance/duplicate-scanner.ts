import type { ConsistencyLevel } from '../config/schema';
import type { DuplicateScanStatus } from '../contracts/http';
import type { ModelSpec } from '../embedding/models';
import { decisionSettings, type DecisionIn } from '../similarity/duplicate-decision';
import { createDuplicateDetector } from '../similarity/duplicate-detector';
import { REVIEW_NEIGHBOURS } from '../similarity/grouping';
import type { DuplicateGraph, DuplicateScan } from '../strapi-data/duplicate-graph';
import type { IndexStateRepository } from '../strapi-data/index-state';
import type { Leases } from '../strapi-data/leases';
import type { Logger } from '../utils/logger';
import { mapConcurrently } from '../utils/map-concurrently';
import type { ServedCollection, VectorStore } from '../vector-store/types';
import type { Space } from '../whitening/projection';

/** Indexed files per step; progress is saved after each, so a scan resumes there. */
const SCAN_STEP = 200;
/** Milvus searches in flight during a scan. */
const SCAN_CONCURRENCY = 4;
const SCAN_LEASE = 'duplicate-scan';
/** The scan reads settled vectors: files indexed meanwhile bring their own pairs, through their index events. */
const SCAN_CONSISTENCY: ConsistencyLevel = 'Bounded';

/** The decision a graph was built with, in its space: a graph built with other settings is rebuilt by a scan. */
export const graphSettings = (model: string, space: Space, decisionIn: DecisionIn) => `${model} ${decisionSettings(space, decisionIn(space))} neighbours=${REVIEW_NEIGHBOURS}`;

export interface DuplicateScanner {
  /**
   * Runs the scan the graph needs: resumes one left unfinished, starts one when the graph was built with other
   * settings (or never), or, with `restart`, starts a new one anyway. `started` is called once it holds the scan's
   * lease. Throws LeaseTakenError when another instance (or request) is scanning.
   */
  run(options: { restart: boolean; started?: () => void }): Promise<void>;
  /**
   * `indexedFiles`: the count, when the caller has it already (a needed scan covers every indexed file). `space`:
   * the serving one, which the graph must have been built in; when it cannot be known now, the latest scan is taken
   * as current.
   */
  status(indexedFiles?: number, space?: Space | null): Promise<DuplicateScanStatus>;
}

/**
 * The full scan that rebuilds the duplicate graph: every indexed file's duplicates, found by the worker's own
 * decision, under a new generation; pairs the scan did not confirm go when it completes. One instance scans at a
 * time, and the graph keeps serving the listing while it runs.
 */
export function createDuplicateScanner(deps: {
  decisionIn: DecisionIn;
  model: ModelSpec;
  graph: DuplicateGraph;
  states: IndexStateRepository;
  leases: Leases;
  store: () => VectorStore;
  logger: Logger;
}): DuplicateScanner {
  const { decisionIn, model, graph, states, leases, store, logger } = deps;
  const detect = createDuplicateDetector({ decisionIn, consistency: SCAN_CONSISTENCY });

  /** The scan reads one collection throughout: a rebuild that switches the alias ends it, and a new one follows. */
  async function scanFrom(served: ServedCollection, scan: DuplicateScan): Promise<void> {
    let { afterFileId, done } = scan;
    for (;;) {
      const ids = await states.indexedFileIdsAfter(afterFileId, SCAN_STEP);
      if (ids.length === 0) break;
      await mapConcurrently(ids, SCAN_CONCURRENCY, async (fileId) => {
        const vector = await served.getVector(fileId);
        if (vector) await graph.addPairs(fileId, (await detect(served, fileId, vector)).duplicates, scan.generation);
      });
      afterFileId = ids[ids.length - 1];
      done += ids.length;
      await graph.advanceScan(scan.generation, { afterFileId, done });
    }
    await graph.completeScan(scan.generation);
    logger.info(`duplicate scan ${scan.generation} complete: ${done} images (${scan.settings})`);
  }

  return {
    async run({ restart, started }) {
      // Unreachable Milvus: a 503 now, rather than a scan that starts and stops.
      const served = await store().serving();
      const settings = graphSettings(model.id, served.space, decisionIn);
      await leases.exclusive([SCAN_LEASE], async () => {
        const latest = await graph.latestScan();
        const current = latest?.settings === settings ? latest : null;
        if (!restart && current?.state === 'complete') return started?.();
        const scan = !restart && current?.state === 'running' ? current : await graph.startScan(settings, await states.countIndexed());
        logger.info(`duplicate scan ${scan.generation} ${scan === current ? 'resumed' : 'started'}: ${scan.done} of ${scan.total} images (${settings})`);
        started?.();
        await scanFrom(served, scan);
      });
    },

    async status(indexedFiles, space) {
      const latest = await graph.latestScan();
      if (!latest || (space && latest.settings !== graphSettings(model.id, space, decisionIn))) return { state: 'needed', done: 0, total: indexedFiles ?? (await states.countIndexed()), finishedAt: null };
      return { state: latest.state, done: latest.done, total: latest.state === 'complete' ? latest.done : latest.total, finishedAt: latest.finishedAt };
    },
  };
}
