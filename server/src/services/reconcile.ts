import type { Core } from '@strapi/strapi';
import type { ReconcileReport } from '../contracts/http';
import { ConflictError } from '../errors/http-errors';
import { errorMessage } from '../errors/pipeline-errors';
import type { ReconcileOptions } from '../maintenance/reconciler';
import { runtimeOf, type Runtime } from '../runtime/runtime';
import { repeatEvery } from '../utils/repeat-every';

export type ReconcileDeps = Pick<Runtime, 'config' | 'reconciler' | 'logger'>;

/** Reconciliation of Strapi's files with the index: on request (the admin, the CLI) and on the configured schedule. */
export function createReconcileService({ config, reconciler, logger }: ReconcileDeps) {
  let cancelSchedule: (() => void) | undefined;
  const { intervalHours, graceMinutes } = config.reconcile;

  return {
    reconcile: (options: ReconcileOptions): Promise<ReconcileReport> => reconciler.reconcile(options),

    /** Runs a reconciliation every `intervalHours` (config), one at a time across instances, until `stopSchedule`. */
    startSchedule(): void {
      if (intervalHours === 0 || cancelSchedule) return;
      cancelSchedule = repeatEvery(
        intervalHours * 3_600_000,
        async () =>
          logger.info(`scheduled reconciliation: ${JSON.stringify(await reconciler.reconcile({ graceMs: graceMinutes * 60_000, retryFailed: false }))}`),
        (error) =>
          error instanceof ConflictError
            ? logger.info(`scheduled reconciliation skipped: one is running already (another Strapi instance's, or a manual one)`)
            : logger.warn(`scheduled reconciliation failed, next in ${intervalHours} h: ${errorMessage(error)}`)
      );
    },

    stopSchedule(): void {
      cancelSchedule?.();
      cancelSchedule = undefined;
    },
  };
}

export type ReconcileService = ReturnType<typeof createReconcileService>;

export default ({ strapi }: { strapi: Core.Strapi }) => createReconcileService(runtimeOf(strapi));
