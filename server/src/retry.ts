import { errorMessage } from './errors';
import type { Logger } from './logger';

/** Exponential backoff with full jitter: the delay before attempt n+1. */
export function backoffDelay(attempt: number, { baseMs = 500, maxMs = 30_000 } = {}): number {
  return Math.random() * Math.min(maxMs, baseMs * 2 ** attempt);
}

/**
 * Runs `task` until it succeeds or `signal` aborts, backing off between attempts. Used for connecting to
 * Kafka and Milvus at startup, so Strapi boots (and keeps recording events) while they are down.
 */
export async function retryUntilReady<T>(what: string, task: () => Promise<T>, deps: { logger: Logger; signal: AbortSignal }): Promise<T | undefined> {
  for (let attempt = 0; !deps.signal.aborted; attempt++) {
    try {
      const result = await task();
      if (attempt > 0) deps.logger.info(`${what}: ready after ${attempt + 1} attempts`);
      return result;
    } catch (error) {
      if (deps.signal.aborted) return undefined;
      if (attempt === 0 || attempt % 10 === 0) deps.logger.warn(`${what} failed (attempt ${attempt + 1}), retrying: ${errorMessage(error)}`);
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, backoffDelay(attempt));
        deps.signal.addEventListener('abort', () => (clearTimeout(timer), resolve(undefined)), { once: true });
      });
    }
  }
  return undefined;
}
