import type { ConsistencyLevel } from '../config/schema';
import type { DuplicateScanStatus } from '../contracts/http';
import type { ModelSpec } from '../embedding/models';
import { decisionSettings, type DuplicateDecision } from '../similarity/duplicate-decision';
import { createDuplicateDetector } from '../similarity/duplicate-detector';
import { REVIEW_NEIGHBOURS } from '../similarity/grouping';
import type { DuplicateGraph, DuplicateScan } from '../strapi-data/duplicate-graph';
import type { IndexStateRepository } from '../strapi-data/index-state';
import type { Leases } from '../strapi-data/leases';
import type { Logger } from '../utils/logger';
import { mapConcurrently } from '../utils/map-concurrently';
import type { VectorStore } from '../vector-store/types';

/** Indexed files per step; progress is saved after each, so a scan resumes there. */
const SCAN_STEP = 200;
/** Milvus searches in flight during a scan. */
const SCAN_CONCURRENCY = 4;
const SCAN_LEASE = 'duplicate-scan';
/** The scan reads settled vectors: files indexed meanwhile bring their own pairs, through their index events. */
const SCAN_CONSISTENCY: ConsistencyLevel = 'Bounded';

/** The decision a graph was built with: a graph built with other settings is rebuilt by a scan. */
export const graphSettings = (model: string, decision: DuplicateDecision) => `${model} ${decisionSettings(decision)} neighbours=${REVIEW_NEIGHBOURS}`;

export interface DuplicateScanner {
  /**
   * Runs the scan the graph needs: resumes one left unfinished, starts one when the graph was built with other
   * settings (or never), or, with `restart`, starts a new one anyway. `started` is called once it holds the scan's
   * lease. Throws LeaseTakenError when another instance (or request) is scanning.
   */
  run(options: { restart: boolean; started?: () => void }): Promise<void>;
  /** `indexedFiles`: the count, when the caller has it already (a needed scan covers every indexed file). */
  status(indexedFiles?: number): Promise<DuplicateScanStatus>;
}

/**
 * The full scan that rebuilds the duplicate graph: every indexed file's duplicates, found by the worker's own
 * decision, under a new generation; pairs the scan did not confirm go when it completes. One instance scans at a
 * time, and the graph keeps serving the listing while it runs.
 */
export function createDuplicateScanner(deps: {
  decision: DuplicateDecision;
  model: ModelSpec;
  graph: DuplicateGraph;
  states: IndexStateRepository;
  leases: Leases;
  store: () => VectorStore;
  logger: Logger;
}): DuplicateScanner {
  const { decision, model, graph, states, leases, store, logger } = deps;
  const settings = graphSettings(model.id, decision);

  async function scanFrom(scan: DuplicateScan): Promise<void> {
    const detect = createDuplicateDetector({ store: store(), decision, consistency: SCAN_CONSISTENCY });
    let { afterFileId, done } = scan;
    for (;;) {
      const ids = await states.indexedFileIdsAfter(afterFileId, SCAN_STEP);
      if (ids.length === 0) break;
      await mapConcurrently(ids, SCAN_CONCURRENCY, async (fileId) => {
        const vector = await store().getVector(fileId);
        if (vector) await graph.addPairs(fileId, (await detect(fileId, vector)).duplicates, scan.generation);
      });
      afterFileId = ids[ids.length - 1];
      done += ids.length;
      await graph.advanceScan(scan.generation, { afterFileId, done });
    }
    await graph.completeScan(scan.generation);
    logger.info(`duplicate scan ${scan.generation} complete: ${done} images (${settings})`);
  }

  return {
    async run({ restart, started }) {
      // Unreachable Milvus: a 503 now, rather than a scan that starts and stops.
      store();
      await leases.exclusive([SCAN_LEASE], async () => {
        const latest = await graph.latestScan();
        const current = latest?.settings === settings ? latest : null;
        if (!restart && current?.state === 'complete') return started?.();
        const scan = !restart && current?.state === 'running' ? current : await graph.startScan(settings, await states.countIndexed());
        logger.info(`duplicate scan ${scan.generation} ${scan === current ? 'resumed' : 'started'}: ${scan.done} of ${scan.total} images (${settings})`);
        started?.();
        await scanFrom(scan);
      });
    },

    async status(indexedFiles) {
      const latest = await graph.latestScan();
      if (!latest || latest.settings !== settings) return { state: 'needed', done: 0, total: indexedFiles ?? (await states.countIndexed()), finishedAt: null };
      return { state: latest.state, done: latest.done, total: latest.state === 'complete' ? latest.done : latest.total, finishedAt: latest.finishedAt };
    },
  };
}
