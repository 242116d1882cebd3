import type { Core } from '@strapi/strapi';
import type { MediaSchema } from './schema';

/**
 * The one write on media usage: every reference to file `from` moves onto file `to`, in one transaction; a field
 * that already holds `to` just loses `from`. Returns how many references moved or merged.
 */
export function createRepoint(strapi: Core.Strapi, schema: MediaSchema) {
  return async function repointFile(from: number, to: number): Promise<number> {
    const table = schema.fileJoinTable();
    return strapi.db.connection.transaction(async (trx) => {
      const rows = (await trx(table.name).select(table.type, table.id, table.field).where(table.file, from)) as Array<Record<string, string | number>>;
      for (const row of rows) {
        const slot = { [table.type]: row[table.type], [table.id]: row[table.id], [table.field]: row[table.field] };
        const keeperThere = await trx(table.name).where({ ...slot, [table.file]: to }).first();
        if (keeperThere) await trx(table.name).where({ ...slot, [table.file]: from }).delete();
        else await trx(table.name).where({ ...slot, [table.file]: from }).update({ [table.file]: to });
      }
      return rows.length;
    });
  };
}
