import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Core } from '@strapi/strapi';
import { LEASE_UID } from '../content-types';

/**
 * Leases in Strapi's own database: what lets several Strapi instances (and concurrent requests in one) share work
 * that only one may do at a time. A lease is a row per name with a unique index on the name; taking it is one
 * conditional UPDATE (free, expired, or already ours) or, for a name without a row, one INSERT that the unique index
 * lets only one instance win. That holds on SQLite, PostgreSQL and MySQL/MariaDB alike, with no locking statement
 * any of them lacks. A holder that dies loses its leases when they expire; expiry is judged by each instance's
 * clock, so their clocks must agree within seconds (as NTP keeps them).
 */

export interface Leases {
  /** Takes or renews `name` for `holder` until `ttlMs` from now; false when someone else holds it. */
  acquire(name: string, holder: string, ttlMs: number): Promise<boolean>;
  release(name: string, holder: string): Promise<void>;
  /**
   * Runs `work` holding every lease of `names`, renewed while it runs, released after; throws LeaseTakenError
   * (naming the lease) without running it when another holder has one of them. Each call is a holder of its own, so
   * two concurrent calls in one process exclude each other too.
   */
  exclusive<T>(names: readonly string[], work: () => Promise<T>): Promise<T>;
  /** This process: the holder of leases it keeps across calls (the outbox relay's). */
  readonly instance: string;
}

export class LeaseTakenError extends Error {
  constructor(readonly lease: string) {
    super(`${lease} is held by another request or Strapi instance`);
    this.name = 'LeaseTakenError';
  }
}

/** How long an exclusive run's leases last between renewals; a crashed holder blocks others this long at most. */
export const EXCLUSIVE_TTL_MS = 60_000;

export function createLeases(strapi: Core.Strapi, { exclusiveTtlMs = EXCLUSIVE_TTL_MS } = {}): Leases {
  const query = () => strapi.db.query(LEASE_UID);
  const instance = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  let runs = 0;

  const leases: Leases = {
    instance,

    async acquire(name, holder, ttlMs) {
      const now = new Date();
      const expiresAt = new Date(now.getTime() + ttlMs);
      const { count } = await query().updateMany({ where: { name, $or: [{ holder }, { expiresAt: { $lt: now } }] }, data: { holder, expiresAt } });
      if (count > 0) return true;
      // Held, and not expired: no INSERT, which the unique index would refuse (and the database would log).
      if (await query().findOne({ where: { name }, select: ['id'] })) return false;
      try {
        await query().create({ data: { name, holder, expiresAt } });
        return true;
      } catch (error) {
        // The unique index refused it: another holder took the name first. Anything else is a real failure.
        const row = await query().findOne({ where: { name }, select: ['holder'] });
        if (row && row.holder !== holder) return false;
        throw error;
      }
    },

    async release(name, holder) {
      await query().deleteMany({ where: { name, holder } });
    },

    async exclusive(names, work) {
      const holder = `${instance}#${++runs}`;
      const held: string[] = [];
      const releaseAll = () => Promise.all(held.map((name) => leases.release(name, holder)));
      try {
        // Sorted, so two runs over overlapping names meet at the same first name: one of them gets none.
        for (const name of [...new Set(names)].sort()) {
          if (!(await leases.acquire(name, holder, exclusiveTtlMs))) throw new LeaseTakenError(name);
          held.push(name);
        }
      } catch (error) {
        await releaseAll();
        throw error;
      }
      const renewal = setInterval(() => {
        for (const name of held) leases.acquire(name, holder, exclusiveTtlMs).catch(() => undefined);
      }, exclusiveTtlMs / 3);
      try {
        return await work();
      } finally {
        clearInterval(renewal);
        await releaseAll();
      }
    },
  };
  return leases;
}
