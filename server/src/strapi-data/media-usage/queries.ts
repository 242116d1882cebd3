import type { Core } from '@strapi/strapi';
import type { EntryUsage } from '../../contracts/http';
import { pushTo } from '../../utils/push-to';
import type { MediaSchema } from './schema';

/**
 * Which entries use which files, read from the join tables (the source of truth). Media inside components and
 * dynamic zones, nested at any depth, count for the content type that holds them.
 */

/** An entry usage with the entry row's id in its content type's table, and the attribute its title comes from. */
export interface UsageRow extends EntryUsage {
  rowId: number;
  titleField: string;
}

/** The usage as the API shows it. */
export const toEntryUsage = ({ rowId: _, titleField: __, ...usage }: UsageRow): EntryUsage => usage;

/** A media attribute holding a file: a content type's or a component's own field (not a path through components). */
export interface MediaSlot {
  fileId: number;
  /** The content type or component whose attribute it is. */
  model: string;
  attribute: string;
}

export interface MediaUsageQueries {
  /** Every entry row (draft, published, locale) referencing each file, with the field that does. */
  entriesUsingFiles(fileIds: readonly number[]): Promise<Map<number, EntryUsage[]>>;
  /** The same, with each entry row's id. */
  entryRowsUsingFiles(fileIds: readonly number[]): Promise<Map<number, UsageRow[]>>;
  /** The media attributes that hold each of these files, once per (file, model, attribute). */
  mediaSlots(fileIds: readonly number[]): Promise<MediaSlot[]>;
  /** Sorted UIDs of the content types whose entries (any locale, draft or published) reference the file. */
  contentTypesUsingFile(fileId: number): Promise<string[]>;
  /** Ids of the files referenced by any row (draft, published, locale) of one document, components included. */
  filesOfDocument(uid: string, documentId: string): Promise<Set<number>>;
}

type Id = string | number;
type Rows = Array<Record<string, Id>>;

interface Reference {
  fileId: number;
  /** Row id in the table of the current uid. */
  id: Id;
  path: string;
}

export function createMediaUsageQueries(strapi: Core.Strapi, schema: MediaSchema): MediaUsageQueries {
  const db = () => strapi.db.connection;

  /** Turns references held by rows of `uid` into entry usages, climbing out of components. */
  async function collectEntries(uid: string, references: Reference[], out: Map<number, UsageRow[]>, seen: Set<string>): Promise<void> {
    if (references.length === 0) return;
    const ids = [...new Set(references.map((ref) => ref.id))];
    if (schema.isContentType(uid)) {
      const attributes = strapi.contentTypes[uid as never].attributes as Record<string, unknown>;
      const mainField = await schema.mainFieldOf(uid);
      const select = ['id', 'documentId', mainField, ...['publishedAt', 'locale'].filter((name) => name in attributes)];
      const rows = (await strapi.db.query(uid as never).findMany({ where: { id: { $in: ids } }, select: [...new Set(select)] })) as Array<Record<string, unknown>>;
      const byId = new Map(rows.map((row) => [String(row.id), row]));
      for (const ref of references) {
        const row = byId.get(String(ref.id));
        if (!row) continue;
        pushTo(out, ref.fileId, {
          rowId: Number(row.id),
          titleField: mainField,
          contentType: uid,
          documentId: String(row.documentId),
          title: String(row[mainField] ?? row.documentId),
          field: ref.path,
          status: 'publishedAt' in attributes && !row.publishedAt ? 'draft' : 'published',
          locale: (row.locale as string) ?? null,
        });
      }
      return;
    }
    if (seen.has(uid)) return;
    for (const link of schema.componentLinks().filter((l) => l.child === uid)) {
      const rows = (await db()(link.table).select(link.parentColumn, link.childColumn).where(link.where).whereIn(link.childColumn, ids)) as Rows;
      const parents = new Map<string, Id[]>();
      for (const row of rows) pushTo(parents, String(row[link.childColumn]), row[link.parentColumn]);
      const lifted = references.flatMap((ref) =>
        (parents.get(String(ref.id)) ?? []).map((parentId) => ({ fileId: ref.fileId, id: parentId, path: `${link.attribute}.${ref.path}` }))
      );
      await collectEntries(link.parent, lifted, out, new Set(seen).add(uid));
    }
  }

  const distinct = async (table: string, column: string, where: Record<string, unknown>, inColumn: string, ids: readonly Id[]) =>
    ((await db()(table).distinct(column).where(where).whereIn(inColumn, [...ids])) as Rows).map((row) => row[column]);

  /** Adds to `owners` the content types whose entries hold rows `ids` of `uid`, climbing out of components. */
  async function collectOwners(uid: string, ids: readonly Id[], owners: Set<string>, seen: Set<string>): Promise<void> {
    if (schema.isContentType(uid)) {
      owners.add(uid);
      return;
    }
    if (seen.has(uid)) return;
    for (const link of schema.componentLinks().filter((l) => l.child === uid)) {
      const parentIds = await distinct(link.table, link.parentColumn, link.where, link.childColumn, ids);
      if (parentIds.length > 0) await collectOwners(link.parent, parentIds, owners, new Set(seen).add(uid));
    }
  }

  /** Adds to `files` the files referenced by rows `ids` of `uid`, descending into its components. */
  async function collectFiles(uid: string, ids: readonly Id[], files: Set<number>, seen: Set<string>): Promise<void> {
    if (seen.has(uid)) return;
    const table = schema.fileJoinTable();
    for (const fileId of await distinct(table.name, table.file, { [table.type]: uid }, table.id, ids)) files.add(Number(fileId));
    for (const link of schema.componentLinks().filter((l) => l.parent === uid)) {
      const childIds = await distinct(link.table, link.childColumn, link.where, link.parentColumn, ids);
      if (childIds.length > 0) await collectFiles(link.child, childIds, files, new Set(seen).add(uid));
    }
  }

  const queries: MediaUsageQueries = {
    async entriesUsingFiles(fileIds) {
      const rows = await queries.entryRowsUsingFiles(fileIds);
      return new Map([...rows].map(([fileId, usages]) => [fileId, usages.map(toEntryUsage)]));
    },

    async entryRowsUsingFiles(fileIds) {
      const out = new Map<number, UsageRow[]>(fileIds.map((id) => [id, []]));
      if (fileIds.length === 0) return out;
      const table = schema.fileJoinTable();
      const rows = (await db()(table.name).select(table.file, table.type, table.id, table.field).whereIn(table.file, [...fileIds])) as Rows;
      const byType = new Map<string, Reference[]>();
      for (const row of rows) pushTo(byType, String(row[table.type]), { fileId: Number(row[table.file]), id: row[table.id], path: String(row[table.field]) });
      for (const [uid, references] of byType) await collectEntries(uid, references, out, new Set());
      for (const usages of out.values()) usages.sort((a, b) => a.contentType.localeCompare(b.contentType) || a.documentId.localeCompare(b.documentId) || a.status.localeCompare(b.status));
      return out;
    },

    async mediaSlots(fileIds) {
      if (fileIds.length === 0) return [];
      const table = schema.fileJoinTable();
      const rows = (await db()(table.name).distinct(table.file, table.type, table.field).whereIn(table.file, [...fileIds])) as Rows;
      return rows.map((row) => ({ fileId: Number(row[table.file]), model: String(row[table.type]), attribute: String(row[table.field]) }));
    },

    async contentTypesUsingFile(fileId) {
      const table = schema.fileJoinTable();
      const rows = (await db()(table.name).select(table.type, table.id).where(table.file, fileId)) as Rows;
      const idsByType = new Map<string, Id[]>();
      for (const row of rows) pushTo(idsByType, String(row[table.type]), row[table.id]);
      const owners = new Set<string>();
      for (const [uid, ids] of idsByType) await collectOwners(uid, ids, owners, new Set());
      return [...owners].sort();
    },

    async filesOfDocument(uid, documentId) {
      const entries = (await strapi.db.query(uid as never).findMany({ where: { documentId }, select: ['id'] })) as Array<{ id: number }>;
      const files = new Set<number>();
      if (entries.length > 0) await collectFiles(uid, entries.map((entry) => entry.id), files, new Set());
      return files;
    },
  };
  return queries;
}
