import type { Core } from '@strapi/strapi';
import type { DuplicateScanStatus } from '../contracts/http';
import { ConflictError } from '../errors/http-errors';
import { errorMessage } from '../errors/pipeline-errors';
import { runtimeOf, type Runtime } from '../runtime/runtime';
import { LeaseTakenError } from '../strapi-data/leases';
import { repeatEvery } from '../utils/repeat-every';

/** How often an instance checks whether the graph needs a scan (none yet, other settings, or one left unfinished). */
const CHECK_INTERVAL_MS = 30_000;

export type DuplicateScanDeps = Pick<Runtime, 'duplicateScanner' | 'storeIfReady' | 'logger'>;

/**
 * The duplicate scan (maintenance/duplicate-scanner): by itself for a first install, a model or threshold change,
 * or a scan left unfinished; and on request (the status page, the CLI).
 */
export function createDuplicateScanService({ duplicateScanner: scanner, storeIfReady, logger }: DuplicateScanDeps) {
  let stopChecking: (() => void) | undefined;
  const failed = (error: unknown) => logger.warn(`duplicate scan failed, it resumes at the next check: ${errorMessage(error)}`);

  return {
    /** Starts a new scan in the background and answers once it runs; a 409 while one runs, a 503 while Milvus is unreachable. */
    start(): Promise<DuplicateScanStatus> {
      let answered = false;
      return new Promise((resolve, reject) => {
        const started = () => {
          answered = true;
          scanner.status().then(resolve, reject);
        };
        scanner.run({ restart: true, started }).catch((error) => {
          // Once answered, the scan failed in the background, and the watcher resumes it; before, the request fails.
          if (answered) return failed(error);
          reject(
            error instanceof LeaseTakenError
              ? new ConflictError('A duplicate scan is running; its progress shows on the status page', { running: true })
              : error
          );
        });
      });
    },

    /** Checks now and then whether the graph needs a scan, and runs it; another instance's scan counts for this one's. */
    watch(): void {
      stopChecking ??= repeatEvery(
        CHECK_INTERVAL_MS,
        () => (storeIfReady() ? scanner.run({ restart: false }) : Promise.resolve()),
        (error) => (error instanceof LeaseTakenError ? undefined : failed(error))
      );
    },

    stopWatching(): void {
      stopChecking?.();
      stopChecking = undefined;
    },
  };
}

export type DuplicateScanService = ReturnType<typeof createDuplicateScanService>;

export default ({ strapi }: { strapi: Core.Strapi }) => createDuplicateScanService(runtimeOf(strapi));
