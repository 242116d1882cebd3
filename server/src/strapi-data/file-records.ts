import type { Core } from '@strapi/strapi';
import type { FileSummary } from '../contracts/http';

/** Reads Strapi file records for search results. */

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

export function createFileRecords(strapi: Core.Strapi) {
  const query = () => strapi.db.query(FILE_UID);
  return {
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
    async countImages(): Promise<number> {
      return query().count({ where: { mime: { $startsWith: 'image/' } } });
    },
    async maxId(): Promise<number> {
      const row = await query().findOne({ orderBy: { id: 'desc' }, select: ['id'] });
      return (row?.id as number) ?? 0;
    },
  };
}
