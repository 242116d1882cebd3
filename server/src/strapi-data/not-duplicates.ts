import type { Core } from '@strapi/strapi';
import { NOT_DUPLICATE_UID } from '../content-types';

/** Pairs of files an editor said are not duplicates. A pair is stored once, smaller file id first. */

export const pairKey = (a: number, b: number) => (a < b ? `${a}:${b}` : `${b}:${a}`);

export interface NotDuplicatesRepository {
  /** Marks every pair among the files; pairs already marked stay as they are. Returns how many were new. */
  mark(fileIds: readonly number[]): Promise<number>;
  /** Keys (pairKey) of every marked pair: editors mark few, so they are read whole. */
  all(): Promise<Set<string>>;
}

export function createNotDuplicatesRepository(strapi: Core.Strapi): NotDuplicatesRepository {
  const query = () => strapi.db.query(NOT_DUPLICATE_UID);
  return {
    async mark(fileIds) {
      const wanted = new Map<string, { pair: string; fileA: number; fileB: number }>();
      fileIds.forEach((a, i) =>
        fileIds.slice(i + 1).forEach((b) => wanted.set(pairKey(a, b), { pair: pairKey(a, b), fileA: Math.min(a, b), fileB: Math.max(a, b) }))
      );
      const existing = await query().findMany({ where: { pair: { $in: [...wanted.keys()] } }, select: ['pair'] });
      for (const row of existing) wanted.delete(row.pair as string);
      if (wanted.size > 0) await query().createMany({ data: [...wanted.values()] });
      return wanted.size;
    },

    async all() {
      const rows = await query().findMany({ select: ['pair'] });
      return new Set(rows.map((row) => row.pair as string));
    },
  };
}
