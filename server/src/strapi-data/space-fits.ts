import type { Core } from '@strapi/strapi';
import { SPACE_FIT_UID } from '../content-types';

/**
 * Each time the index learned its whitening from the library (whitening/learn.ts), in Strapi's database so that
 * every instance's status page shows the one under way, whichever instance runs it.
 */

export type SpaceFitState = 'learning' | 'learned' | 'too-few' | 'failed';

export interface SpaceFit {
  id: number;
  state: SpaceFitState;
  /** Sampled images read and embedded with their edits, of `total`. */
  done: number;
  total: number;
  /** The projection it made, once learned. */
  projection: string | null;
  reason: string | null;
  startedAt: string;
  /** Last written: a `learning` fit not written for a while was left by an instance that stopped. */
  updatedAt: string;
  finishedAt: string | null;
}

export interface SpaceFits {
  start(total: number): Promise<SpaceFit>;
  advance(id: number, done: number): Promise<void>;
  finish(id: number, outcome: { state: Exclude<SpaceFitState, 'learning'>; projection?: string; reason?: string }): Promise<void>;
  latest(): Promise<SpaceFit | null>;
}

const iso = (value: unknown) => (value ? new Date(value as string).toISOString() : null);

const toFit = (row: Record<string, unknown>): SpaceFit => ({
  id: Number(row.id),
  state: row.state as SpaceFitState,
  done: Number(row.done),
  total: Number(row.total),
  projection: (row.projection as string) ?? null,
  reason: (row.reason as string) ?? null,
  startedAt: iso(row.startedAt)!,
  updatedAt: iso(row.updatedAt) ?? iso(row.startedAt)!,
  finishedAt: iso(row.finishedAt),
});

export function createSpaceFits(strapi: Core.Strapi): SpaceFits {
  const query = () => strapi.db.query(SPACE_FIT_UID);
  return {
    async start(total) {
      const now = new Date();
      return toFit(await query().create({ data: { state: 'learning', done: 0, total, startedAt: now, updatedAt: now } }));
    },
    async advance(id, done) {
      await query().update({ where: { id }, data: { done, updatedAt: new Date() } });
    },
    async finish(id, { state, projection, reason }) {
      const now = new Date();
      await query().update({ where: { id }, data: { state, projection: projection ?? null, reason: reason ?? null, finishedAt: now, updatedAt: now } });
    },
    async latest() {
      const row = await query().findOne({ orderBy: { id: 'desc' } });
      return row ? toFit(row) : null;
    },
  };
}
