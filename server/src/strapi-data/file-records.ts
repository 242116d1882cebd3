import type { Core } from '@strapi/strapi';
import type { FileSummary } from '../contracts/http';

/**
 * Strapi's file records: summaries for results, whole rows for events, the library page by page, and the merge's
 * one change to a file's metadata.
 */

export const FILE_UID = 'plugin::upload.file';
const FIELDS = ['id', 'documentId', 'name', 'url', 'formats', 'mime', 'width', 'height', 'size', 'alternativeText', 'caption', 'createdAt'] as const;

type Formats = Record<string, { url?: string }> | null;

const toSummary = (row: Record<string, unknown>): FileSummary => ({
  id: row.id as number,
  documentId: row.documentId as string,
  name: row.name as string,
  url: row.url as string,
  thumbnailUrl: (row.formats as Formats)?.thumbnail?.url ?? (row.url as string),
  mime: (row.mime as string) ?? null,
  width: (row.width as number) ?? null,
  height: (row.height as number) ?? null,
  // Strapi stores kilobytes.
  size: typeof row.size === 'number' ? Math.round(row.size * 1024) : null,
  alternativeText: (row.alternativeText as string) || null,
  caption: (row.caption as string) || null,
  createdAt: row.createdAt ? new Date(row.createdAt as string).toISOString() : null,
});

export type FileRecords = ReturnType<typeof createFileRecords>;

export function createFileRecords(strapi: Core.Strapi) {
  const query = () => strapi.db.query(FILE_UID);
  const records = {
    /** The whole row, as lifecycles see it (the recorder builds events from it); null when the file is gone. */
    async findRow(id: number): Promise<Record<string, unknown> | null> {
      return query().findOne({ where: { id } });
    },
    /** Image file rows with ids above `afterId`, in id order: the library, page by page. */
    async imageRowsAfter(afterId: number, limit: number): Promise<Array<Record<string, unknown>>> {
      return query().findMany({ where: { id: { $gt: afterId }, mime: { $startsWith: 'image/' } }, orderBy: { id: 'asc' }, limit });
    },
    async findOne(id: number): Promise<FileSummary | null> {
      const row = await query().findOne({ where: { id }, select: [...FIELDS] });
      return row ? toSummary(row) : null;
    },
    /** Found records by id; ids of deleted files are simply absent. */
    async findMany(ids: readonly number[]): Promise<Map<number, FileSummary>> {
      if (ids.length === 0) return new Map();
      const rows = await query().findMany({ where: { id: { $in: [...ids] } }, select: [...FIELDS] });
      return new Map(rows.map((row) => [row.id as number, toSummary(row)]));
    },
    /** Alt text and caption a merge carries over from a discarded copy. */
    async updateText(id: number, text: Partial<Pick<FileSummary, 'alternativeText' | 'caption'>>): Promise<void> {
      await query().update({ where: { id }, data: text });
    },
    /**
     * About `count` image files picked at random across the library, without walking it: each pick is the first
     * image at or after a random id (one indexed lookup), so a library is sampled in `count` small queries.
     */
    async sampleImages(count: number): Promise<Array<Record<string, unknown>>> {
      const picked = new Map<number, Record<string, unknown>>();
      if ((await records.countImages()) <= count) {
        // A library no larger than the sample is all of it.
        for (let page = await records.imageRowsAfter(0, count); page.length > 0; page = await records.imageRowsAfter(page[page.length - 1].id as number, count)) {
          for (const row of page) picked.set(row.id as number, row);
        }
        return [...picked.values()];
      }
      const maxId = await records.maxId();
      for (let attempt = 0; picked.size < count && attempt < 2 * count; attempt++) {
        const [row] = await records.imageRowsAfter(Math.floor(Math.random() * maxId), 1);
        if (row) picked.set(row.id as number, row);
      }
      return [...picked.values()];
    },
    async countImages(): Promise<number> {
      return query().count({ where: { mime: { $startsWith: 'image/' } } });
    },
    async maxId(): Promise<number> {
      const row = await query().findOne({ orderBy: { id: 'desc' }, select: ['id'] });
      return (row?.id as number) ?? 0;
    },
  };
  return records;
}
