import type { Leases } from '../strapi-data/leases';
import { errorMessage } from '../errors/pipeline-errors';
import { backoffDelay } from '../utils/retry';
import type { EventProducer } from '../messaging/producer';
import type { Logger } from '../utils/logger';
import type { Outbox, PendingEvent } from '../strapi-data/outbox';
import type { EventChannel } from '../contracts/events';

/**
 * Publishes outbox rows to Kafka in insertion order; a row is marked sent only after the broker acknowledged it.
 * With several Strapi instances on one database, only the holder of the relay lease publishes: one publisher at a
 * time keeps each file's events in order, and none is sent twice by two relays at once. The lease is renewed with
 * every batch and released on stop, so another instance takes over at once; if its holder dies, after the lease's
 * TTL. A holder that stalls past its TTL may re-send a batch its successor also sends: consumers skip what they
 * have applied already (at-least-once, ordered per file by version).
 */

/** Holds the relay lease: takes or renews it, or says another instance has it. */
export interface RelayLease {
  claim(): Promise<boolean>;
  release(): Promise<void>;
}

/** Long enough for a batch whose send Kafka holds (its request timeout is 30 s), short for a failover. */
const RELAY_LEASE_TTL_MS = 45_000;
/** How often an instance that does not hold the lease checks whether it is free (the holder relays its events). */
const LEASE_CHECK_MS = 5_000;

/**
 * The relay lease of this Strapi instance, in Strapi's database. Renewed once half its TTL has passed, not on every
 * poll: each renewal is a database write (and on SQLite, a synchronous commit on the event loop).
 */
export function relayLease(leases: Leases, now: () => number = Date.now): RelayLease {
  let heldUntil = 0;
  return {
    async claim() {
      if (heldUntil - now() > RELAY_LEASE_TTL_MS / 2) return true;
      const since = now();
      const held = await leases.acquire('outbox-relay', leases.instance, RELAY_LEASE_TTL_MS);
      heldUntil = held ? since + RELAY_LEASE_TTL_MS : 0;
      return held;
    },
    async release() {
      heldUntil = 0;
      await leases.release('outbox-relay', leases.instance);
    },
  };
}

/** Consecutive rows bound for the same topic. */
function runsByChannel(rows: readonly PendingEvent[]): PendingEvent[][] {
  const runs: PendingEvent[][] = [];
  for (const row of rows) {
    const last = runs.at(-1);
    if (last && last[0].channel === row.channel) last.push(row);
    else runs.push([row]);
  }
  return runs;
}

export interface OutboxRelay {
  start(): void;
  /** Asks for a drain soon, e.g. right after an event was recorded. */
  kick(): void;
  /** Stops polling and waits for the drain in progress. */
  stop(): Promise<void>;
}

const MAX_BACKOFF_MS = 30_000;
/** How often sent rows past their retention are pruned, at most. */
const PRUNE_INTERVAL_MS = 10 * 60_000;

export function createOutboxRelay(deps: {
  outbox: Outbox;
  producer: EventProducer;
  topics: Record<EventChannel, string>;
  pollIntervalMs: number;
  batchSize: number;
  retentionHours: number;
  lease: RelayLease;
  logger: Logger;
  now?: () => number;
}): OutboxRelay {
  const { outbox, producer, topics, pollIntervalMs, batchSize, retentionHours, lease, logger, now = Date.now } = deps;
  let prunedAt = -Infinity;
  let timer: NodeJS.Timeout | undefined;
  let draining: Promise<void> | undefined;
  let stopped = true;
  let failures = 0;
  let holding = false;

  async function prune(): Promise<void> {
    if (now() - prunedAt < PRUNE_INTERVAL_MS) return;
    prunedAt = now();
    const pruned = await outbox.pruneSent(new Date(now() - retentionHours * 3_600_000));
    if (pruned > 0) logger.info(`pruned ${pruned} sent outbox row(s) older than ${retentionHours} h`);
  }

  async function drain(): Promise<void> {
    for (;;) {
      // Another instance relays; this one looks again later, in case it stops.
      holding = await lease.claim();
      if (!holding) return;
      const batch = await outbox.takePending(batchSize);
      if (batch.length === 0) return prune();
      // Each run of one topic's rows is sent, then marked, before the next: insertion order holds across topics.
      for (const run of runsByChannel(batch)) {
        const ids = run.map((row) => row.id);
        try {
          await producer.send(topics[run[0].channel], run.map((row) => row.message));
        } catch (error) {
          await outbox.markFailed(ids, errorMessage(error)).catch(() => undefined);
          throw error;
        }
        await outbox.markSent(ids);
      }
    }
  }

  function schedule(delay: number): void {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(tick, delay);
  }

  function tick(): void {
    if (draining || stopped) return;
    draining = drain()
      .then(() => {
        if (failures > 0) logger.info(`outbox relay recovered after ${failures} failed attempt(s)`);
        failures = 0;
      })
      .catch((error) => {
        failures++;
        if (failures === 1 || failures % 20 === 0) logger.warn(`outbox relay cannot publish (attempt ${failures}), events stay queued: ${errorMessage(error)}`);
      })
      .finally(() => {
        draining = undefined;
        // Exponential backoff with full jitter while the broker is unreachable.
        const delay = failures > 0 ? backoffDelay(failures, { baseMs: pollIntervalMs, maxMs: MAX_BACKOFF_MS }) : holding ? pollIntervalMs : LEASE_CHECK_MS;
        schedule(delay);
      });
  }

  return {
    start() {
      stopped = false;
      holding = true; // until the first claim says otherwise, so the first events go out at once
      schedule(0);
    },
    kick() {
      if (failures === 0 && holding) schedule(0);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await draining;
      await lease.release().catch(() => undefined);
    },
  };
}
