import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage, PipelineError } from '../errors/pipeline-errors';
import type { Logger } from './logger';

/** Exponential backoff with full jitter: the delay before attempt n+1. */
export function backoffDelay(attempt: number, { baseMs = 500, maxMs = 30_000 } = {}): number {
  return Math.random() * Math.min(maxMs, baseMs * 2 ** attempt);
}

/**
 * Runs `task` until it succeeds or `signal` aborts, backing off between attempts. Used for connecting to
 * Kafka and Milvus at startup, so Strapi boots (and keeps recording events) while they are down. A non-retriable
 * PipelineError (a config the server refuses) is thrown at once: retrying cannot fix it.
 */
export async function retryUntilReady<T>(what: string, task: () => Promise<T>, deps: { logger: Logger; signal: AbortSignal }): Promise<T | undefined> {
  for (let attempt = 0; !deps.signal.aborted; attempt++) {
    try {
      const result = await task();
      if (attempt > 0) deps.logger.info(`${what}: ready after ${attempt + 1} attempts`);
      return result;
    } catch (error) {
      if (deps.signal.aborted) return undefined;
      if (error instanceof PipelineError && !error.retriable) throw error;
      if (attempt === 0 || attempt % 10 === 0) deps.logger.warn(`${what} failed (attempt ${attempt + 1}), retrying: ${errorMessage(error)}`);
      // Abortable, and leaves no listener on the signal once it has waited (a long outage retries many times).
      await sleep(backoffDelay(attempt), undefined, { signal: deps.signal }).catch(() => undefined);
    }
  }
  return undefined;
}

/** How long each shutdown step may take when Kafka or Milvus does not answer. */
export const SHUTDOWN_STEP_MS = 5000;
/**
 * How long a worker's consumer (standalone or in Strapi) may take to stop: it finishes the event at hand and publishes
 * its chunk's outcomes and duplicate notices, so that it commits and leaves the group with nothing to re-apply (within
 * a 30 s termination grace period). Given up earlier, that work would go on after the stop returned.
 */
export const WORKER_DRAIN_MS = 20_000;

/** Waits for `task` at most `ms`; on shutdown a dependency that is down must not hold the process. */
export async function settleWithin(what: string, task: Promise<unknown>, ms: number, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  const result = await Promise.race([task.then(() => 'done' as const, (error: unknown) => (logger.warn(`${what}: ${errorMessage(error)}`), 'done' as const)), timedOut]);
  clearTimeout(timer);
  if (result === 'timeout') logger.warn(`${what}: gave up after ${ms} ms`);
}
