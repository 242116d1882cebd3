import type { Core } from '@strapi/strapi';

/** Which content types use a file, read from the upload plugin's morph join table (the source of truth). */

export interface UsageRepository {
  /** Sorted UIDs of the content types whose entries (any locale, draft or published) reference the file. */
  contentTypesUsingFile(fileId: number): Promise<string[]>;
  /** Ids of the files referenced by any row (draft, published, locale) of one document. */
  filesOfDocument(uid: string, documentId: string): Promise<Set<number>>;
  hasMediaAttributes(uid: string): boolean;
}

interface MorphJoinTable {
  name: string;
  joinColumn: { name: string };
  morphColumn: { typeColumn: { name: string }; idColumn: { name: string } };
}

export function createUsageRepository(strapi: Core.Strapi): UsageRepository {
  const joinTable = () =>
    (strapi.db.metadata.get('plugin::upload.file').attributes as Record<string, { joinTable?: MorphJoinTable }>).related
      .joinTable as MorphJoinTable;

  return {
    async contentTypesUsingFile(fileId) {
      const table = joinTable();
      const rows: Array<Record<string, string>> = await strapi.db
        .connection(table.name)
        .distinct(table.morphColumn.typeColumn.name)
        .where(table.joinColumn.name, fileId);
      return rows
        .map((row) => row[table.morphColumn.typeColumn.name])
        .filter((uid) => uid in strapi.contentTypes)
        .sort();
    },

    async filesOfDocument(uid, documentId) {
      const entries = await strapi.db.query(uid as never).findMany({ where: { documentId }, select: ['id'] });
      if (entries.length === 0) return new Set();
      const table = joinTable();
      const rows: Array<Record<string, number>> = await strapi.db
        .connection(table.name)
        .distinct(table.joinColumn.name)
        .where(table.morphColumn.typeColumn.name, uid)
        .whereIn(
          table.morphColumn.idColumn.name,
          entries.map((entry: { id: number }) => entry.id)
        );
      return new Set(rows.map((row) => Number(row[table.joinColumn.name])));
    },

    hasMediaAttributes(uid) {
      const contentType = strapi.contentTypes[uid as keyof typeof strapi.contentTypes];
      return !!contentType && Object.values(contentType.attributes).some((attribute) => attribute.type === 'media');
    },
  };
}
