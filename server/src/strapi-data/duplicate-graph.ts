import type { Core } from '@strapi/strapi';
import { DUPLICATE_PAIR_UID, DUPLICATE_SCAN_UID } from '../content-types';
import type { DuplicateKind } from '../contracts/duplicate-kinds';
import type { SimilarPair } from '../similarity/grouping';
import { pairKey } from './not-duplicates';

/**
 * The duplicate graph: every pair of files the duplicate decision calls copies, stored once (smaller id first).
 * Index events keep it as files are indexed, replaced and deleted; a full scan rebuilds it under a new generation
 * when the decision's settings change, and pairs the scan did not confirm are dropped when it completes.
 */

export interface Neighbour {
  fileId: number;
  similarity: number;
  /** Absent in events of workers from before pairs were verified. */
  kind?: DuplicateKind;
}

export interface DuplicateScan {
  generation: number;
  /** The decision the scan ran with (model, threshold, neighbours); a different one needs a new scan. */
  settings: string;
  state: 'running' | 'complete';
  /** Files up to this id are scanned: a scan resumes after it. */
  afterFileId: number;
  done: number;
  total: number;
  startedAt: string;
  finishedAt: string | null;
}

export interface DuplicateGraph {
  /** Adds (or confirms) the pairs of `fileId` with its duplicates, under the current generation. */
  addPairs(fileId: number, duplicates: readonly Neighbour[], generation?: number): Promise<void>;
  /** Drops every pair of the file: it was deleted, or its vector changed. */
  removeFile(fileId: number): Promise<void>;
  /** Every pair at or above the similarity. */
  pairs(minSimilarity: number): Promise<SimilarPair[]>;
  /** The newest scan, or null before the first. */
  latestScan(): Promise<DuplicateScan | null>;
  /** Starts a scan under a new generation; pairs written from now on belong to it. */
  startScan(settings: string, total: number): Promise<DuplicateScan>;
  /** Records a scan's progress, so that it resumes there. */
  advanceScan(generation: number, progress: { afterFileId: number; done: number }): Promise<void>;
  /** Marks the scan complete and drops the pairs it did not confirm. */
  completeScan(generation: number): Promise<void>;
}

/** Pair rows per query: under SQLite's variable limit, however many duplicates a file has. */
const CHUNK = 500;
/**
 * PostgreSQL and MySQL keep a float column in single precision (0.7 reads back as 0.699999988): similarities are
 * read back rounded to what the column holds, and compared with that margin.
 */
const STORED_DIGITS = 1e6;
const fromColumn = (value: unknown) => Math.round(Number(value) * STORED_DIGITS) / STORED_DIGITS;

const toScan = (row: Record<string, unknown>): DuplicateScan => ({
  generation: Number(row.generation),
  settings: String(row.settings),
  state: row.state as DuplicateScan['state'],
  afterFileId: Number(row.afterFileId),
  done: Number(row.done),
  total: Number(row.total),
  startedAt: new Date(row.startedAt as string).toISOString(),
  finishedAt: row.finishedAt ? new Date(row.finishedAt as string).toISOString() : null,
});

export function createDuplicateGraph(strapi: Core.Strapi): DuplicateGraph {
  const pairs = () => strapi.db.query(DUPLICATE_PAIR_UID);
  const scans = () => strapi.db.query(DUPLICATE_SCAN_UID);

  async function latestScan(): Promise<DuplicateScan | null> {
    const row = await scans().findOne({ orderBy: { generation: 'desc' } });
    return row ? toScan(row) : null;
  }

  /** Writes the rows: known pairs move to the generation, new ones are created; a row another writer created first is re-tried as known. */
  async function upsert(
    rows: Array<{ pair: string; fileA: number; fileB: number; similarity: number; kind: DuplicateKind | null; generation: number }>,
    retried = false
  ): Promise<void> {
    const generation = rows[0].generation;
    const known = new Set(
      (await pairs().findMany({ where: { pair: { $in: rows.map((row) => row.pair) } }, select: ['pair'] })).map((row) => row.pair as string)
    );
    // Known pairs move to the generation with the kind just verified: one update per kind.
    for (const kind of new Set(rows.map((row) => row.kind))) {
      const confirmed = rows.filter((row) => row.kind === kind && known.has(row.pair)).map((row) => row.pair);
      if (confirmed.length > 0) await pairs().updateMany({ where: { pair: { $in: confirmed }, generation: { $lte: generation } }, data: { generation, kind } });
    }
    const fresh = rows.filter((row) => !known.has(row.pair));
    if (fresh.length === 0) return;
    try {
      await pairs().createMany({ data: fresh });
    } catch (error) {
      if (retried) throw error;
      await upsert(fresh, true);
    }
  }

  return {
    async addPairs(fileId, duplicates, generation) {
      const current = generation ?? (await latestScan())?.generation ?? 0;
      const rows = duplicates
        .filter((d) => d.fileId !== fileId)
        .map((d) => ({
          pair: pairKey(fileId, d.fileId),
          fileA: Math.min(fileId, d.fileId),
          fileB: Math.max(fileId, d.fileId),
          similarity: d.similarity,
          kind: d.kind ?? null,
          generation: current,
        }));
      for (let i = 0; i < rows.length; i += CHUNK) await upsert(rows.slice(i, i + CHUNK));
    },

    async removeFile(fileId) {
      await pairs().deleteMany({ where: { $or: [{ fileA: fileId }, { fileB: fileId }] } });
    },

    async pairs(minSimilarity) {
      const rows = await pairs().findMany({
        where: { similarity: { $gte: minSimilarity - 1 / STORED_DIGITS } },
        select: ['fileA', 'fileB', 'similarity', 'kind'],
      });
      return rows.map((row) => ({
        a: Number(row.fileA),
        b: Number(row.fileB),
        similarity: fromColumn(row.similarity),
        kind: (row.kind as DuplicateKind | null) ?? null,
      }));
    },

    latestScan,

    async startScan(settings, total) {
      const generation = ((await latestScan())?.generation ?? 0) + 1;
      // Two instances starting at once: the unique generation lets one of them in.
      const row = await scans().create({ data: { generation, settings, state: 'running', afterFileId: 0, done: 0, total, startedAt: new Date() } });
      return toScan(row);
    },

    async advanceScan(generation, { afterFileId, done }) {
      await scans().update({ where: { generation }, data: { afterFileId, done } });
    },

    async completeScan(generation) {
      await pairs().deleteMany({ where: { generation: { $lt: generation } } });
      await scans().update({ where: { generation }, data: { state: 'complete', finishedAt: new Date() } });
      // Older scans say nothing the newest does not.
      await scans().deleteMany({ where: { generation: { $lt: generation } } });
    },
  };
}
