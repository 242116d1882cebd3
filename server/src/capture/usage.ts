import type { Core } from '@strapi/strapi';
import type { EntryUsage } from '../contracts/http';
import { pushTo } from '../utils/push-to';

/**
 * Which entries use a file, read from the database's join tables (the source of truth), and the one write on them:
 * re-pointing references. Media inside components and dynamic zones, nested at any depth, count for the content
 * type that holds them.
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

export interface UsageRepository {
  /** Every entry row (draft, published, locale) referencing each file, with the field that does. */
  entriesUsingFiles(fileIds: readonly number[]): Promise<Map<number, EntryUsage[]>>;
  /** The same, with each entry row's id. */
  entryRowsUsingFiles(fileIds: readonly number[]): Promise<Map<number, UsageRow[]>>;
  /** The media attributes that hold each of these files, once per (file, model, attribute). */
  mediaSlots(fileIds: readonly number[]): Promise<MediaSlot[]>;
  /**
   * Moves every reference to file `from` onto file `to`, in one transaction; a field that already holds `to`
   * just loses `from`. Returns how many references moved or merged.
   */
  repointFile(from: number, to: number): Promise<number>;
  /** Sorted UIDs of the content types whose entries (any locale, draft or published) reference the file. */
  contentTypesUsingFile(fileId: number): Promise<string[]>;
  /** Ids of the files referenced by any row (draft, published, locale) of one document, components included. */
  filesOfDocument(uid: string, documentId: string): Promise<Set<number>>;
  /** Whether entries of this content type can reference media, directly or through components. */
  hasMediaAttributes(uid: string): boolean;
}

interface JoinTable {
  name: string;
  joinColumn: { name: string };
  inverseJoinColumn?: { name: string };
  morphColumn?: { typeColumn: { name: string }; idColumn: { name: string } };
  on?: Record<string, string>;
}

/** One place where rows of component `child` hang under rows of `parent` (a content type or a component). */
interface ComponentLink {
  parent: string;
  /** The parent's component or dynamic-zone attribute. */
  attribute: string;
  child: string;
  table: string;
  parentColumn: string;
  childColumn: string;
  where: Record<string, string>;
}

type Attribute = { type: string; component?: string; components?: string[] };
type Id = string | number;
type Rows = Array<Record<string, Id>>;


export function createUsageRepository(strapi: Core.Strapi): UsageRepository {
  const db = () => strapi.db.connection;
  const joinTableOf = (uid: string, attribute: string) =>
    (strapi.db.metadata.get(uid as never).attributes as Record<string, { joinTable?: JoinTable }>)[attribute].joinTable as JoinTable;
  const schemas = () => ({ ...strapi.contentTypes, ...strapi.components }) as Record<string, { attributes: Record<string, Attribute> }>;
  const isContentType = (uid: string) => uid in strapi.contentTypes;

  // The schema is fixed once Strapi has loaded, so these are computed on first use.
  let links: ComponentLink[] | undefined;
  const componentLinks = () => (links ??= buildComponentLinks());
  let fileTable: ReturnType<typeof readFileJoinTable> | undefined;
  const fileJoinTable = () => (fileTable ??= readFileJoinTable());
  const mediaHolders = new Map<string, boolean>();

  function buildComponentLinks(): ComponentLink[] {
    const result: ComponentLink[] = [];
    for (const [parent, schema] of Object.entries(schemas())) {
      for (const [name, attribute] of Object.entries(schema.attributes)) {
        if (attribute.type !== 'component' && attribute.type !== 'dynamiczone') continue;
        const joinTable = joinTableOf(parent, name);
        const base = { parent, attribute: name, table: joinTable.name, parentColumn: joinTable.joinColumn.name };
        if (attribute.type === 'component') {
          result.push({ ...base, child: attribute.component!, childColumn: joinTable.inverseJoinColumn!.name, where: { ...joinTable.on } });
        } else {
          const morph = joinTable.morphColumn!;
          for (const child of attribute.components ?? []) {
            result.push({ ...base, child, childColumn: morph.idColumn.name, where: { ...joinTable.on, [morph.typeColumn.name]: child } });
          }
        }
      }
    }
    return result;
  }

  /** The upload plugin's polymorphic join table: (file, related type, related id). */
  function readFileJoinTable() {
    const table = joinTableOf('plugin::upload.file', 'related');
    // Strapi names the media attribute of a morph row in a `field` column.
    return { name: table.name, file: table.joinColumn.name, type: table.morphColumn!.typeColumn.name, id: table.morphColumn!.idColumn.name, field: 'field' };
  }

  const mainFields = new Map<string, string>();
  /** The field the Content Manager shows an entry by; documentId when it has none to offer. */
  async function mainFieldOf(uid: string): Promise<string> {
    const known = mainFields.get(uid);
    if (known) return known;
    let field = 'documentId';
    try {
      const configuration = await strapi.plugin('content-manager')?.service('content-types').findConfiguration({ uid });
      const configured = configuration?.settings?.mainField;
      if (typeof configured === 'string' && configured in strapi.contentTypes[uid as never].attributes) field = configured;
    } catch {
      // No Content Manager (a headless worker): documentId it is.
    }
    mainFields.set(uid, field);
    return field;
  }

  interface Reference {
    fileId: number;
    /** Row id in the table of the current uid. */
    id: Id;
    path: string;
  }

  /** Turns references held by rows of `uid` into entry usages, climbing out of components. */
  async function collectEntries(uid: string, references: Reference[], out: Map<number, UsageRow[]>, seen: Set<string>): Promise<void> {
    if (references.length === 0) return;
    const ids = [...new Set(references.map((ref) => ref.id))];
    if (isContentType(uid)) {
      const attributes = strapi.contentTypes[uid as never].attributes as Record<string, unknown>;
      const mainField = await mainFieldOf(uid);
      const select = ['id', 'documentId', mainField, ...['publishedAt', 'locale'].filter((name) => name in attributes)];
      const rows = (await strapi.db.query(uid as never).findMany({ where: { id: { $in: ids } }, select: [...new Set(select)] })) as Array<Record<string, unknown>>;
      const byId = new Map(rows.map((row) => [String(row.id), row]));
      for (const ref of references) {
        const row = byId.get(String(ref.id));
        if (!row) continue;
        const usages = out.get(ref.fileId) ?? [];
        usages.push({
          rowId: Number(row.id),
          titleField: mainField,
          contentType: uid,
          documentId: String(row.documentId),
          title: String(row[mainField] ?? row.documentId),
          field: ref.path,
          status: 'publishedAt' in attributes && !row.publishedAt ? 'draft' : 'published',
          locale: (row.locale as string) ?? null,
        });
        out.set(ref.fileId, usages);
      }
      return;
    }
    if (seen.has(uid)) return;
    for (const link of componentLinks().filter((l) => l.child === uid)) {
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
    if (isContentType(uid)) {
      owners.add(uid);
      return;
    }
    if (seen.has(uid)) return;
    for (const link of componentLinks().filter((l) => l.child === uid)) {
      const parentIds = await distinct(link.table, link.parentColumn, link.where, link.childColumn, ids);
      if (parentIds.length > 0) await collectOwners(link.parent, parentIds, owners, new Set(seen).add(uid));
    }
  }

  /** Adds to `files` the files referenced by rows `ids` of `uid`, descending into its components. */
  async function collectFiles(uid: string, ids: readonly Id[], files: Set<number>, seen: Set<string>): Promise<void> {
    if (seen.has(uid)) return;
    const table = fileJoinTable();
    for (const fileId of await distinct(table.name, table.file, { [table.type]: uid }, table.id, ids)) files.add(Number(fileId));
    for (const link of componentLinks().filter((l) => l.parent === uid)) {
      const childIds = await distinct(link.table, link.childColumn, link.where, link.parentColumn, ids);
      if (childIds.length > 0) await collectFiles(link.child, childIds, files, new Set(seen).add(uid));
    }
  }

  function holdsMedia(uid: string, seen: Set<string> = new Set()): boolean {
    const known = mediaHolders.get(uid);
    if (known !== undefined) return known;
    const schema = schemas()[uid];
    if (!schema || seen.has(uid)) return false;
    const inner = new Set(seen).add(uid);
    const result = Object.values(schema.attributes).some(
      (attribute) =>
        attribute.type === 'media' ||
        (attribute.type === 'component' && holdsMedia(attribute.component!, inner)) ||
        (attribute.type === 'dynamiczone' && (attribute.components ?? []).some((child) => holdsMedia(child, inner)))
    );
    mediaHolders.set(uid, result);
    return result;
  }

  return {
    async entriesUsingFiles(fileIds) {
      const rows = await this.entryRowsUsingFiles(fileIds);
      return new Map([...rows].map(([fileId, usages]) => [fileId, usages.map(toEntryUsage)]));
    },

    async entryRowsUsingFiles(fileIds) {
      const out = new Map<number, UsageRow[]>(fileIds.map((id) => [id, []]));
      if (fileIds.length === 0) return out;
      const table = fileJoinTable();
      const rows = (await db()(table.name).select(table.file, table.type, table.id, table.field).whereIn(table.file, [...fileIds])) as Rows;
      const byType = new Map<string, Reference[]>();
      for (const row of rows) {
        const uid = String(row[table.type]);
        pushTo(byType, uid, { fileId: Number(row[table.file]), id: row[table.id], path: String(row[table.field]) });
      }
      for (const [uid, references] of byType) await collectEntries(uid, references, out, new Set());
      for (const usages of out.values()) usages.sort((a, b) => a.contentType.localeCompare(b.contentType) || a.documentId.localeCompare(b.documentId) || a.status.localeCompare(b.status));
      return out;
    },

    async mediaSlots(fileIds) {
      if (fileIds.length === 0) return [];
      const table = fileJoinTable();
      const rows = (await db()(table.name).distinct(table.file, table.type, table.field).whereIn(table.file, [...fileIds])) as Rows;
      return rows.map((row) => ({ fileId: Number(row[table.file]), model: String(row[table.type]), attribute: String(row[table.field]) }));
    },

    async repointFile(from, to) {
      const table = fileJoinTable();
      return db().transaction(async (trx) => {
        const rows = (await trx(table.name).select(table.type, table.id, table.field).where(table.file, from)) as Rows;
        for (const row of rows) {
          const slot = { [table.type]: row[table.type], [table.id]: row[table.id], [table.field]: row[table.field] };
          const keeperThere = await trx(table.name).where({ ...slot, [table.file]: to }).first();
          if (keeperThere) await trx(table.name).where({ ...slot, [table.file]: from }).delete();
          else await trx(table.name).where({ ...slot, [table.file]: from }).update({ [table.file]: to });
        }
        return rows.length;
      });
    },

    async contentTypesUsingFile(fileId) {
      const table = fileJoinTable();
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

    hasMediaAttributes: (uid) => isContentType(uid) && holdsMedia(uid),
  };
}
