import type { Core } from '@strapi/strapi';

/** Rows as Strapi's admin permission conditions read them. */
export type SubjectRow = Record<string, unknown> & { id: number; createdBy?: { id: number } | null };

/**
 * Rows with their creator and the creator's roles: Strapi's admin conditions ("is creator", "has the same role as
 * the creator") read them, and a subject without them never matches a conditioned permission.
 */
export async function withCreators(strapi: Core.Strapi, uid: string, ids: readonly number[]): Promise<Map<number, SubjectRow>> {
  if (ids.length === 0) return new Map();
  const rows = (await strapi.db.query(uid as never).findMany({ where: { id: { $in: [...ids] } }, populate: { createdBy: true } as never })) as SubjectRow[];
  const creatorIds = [...new Set(rows.flatMap((row) => (row.createdBy ? [row.createdBy.id] : [])))];
  const creators = creatorIds.length
    ? new Map(((await strapi.db.query('admin::user').findMany({ where: { id: { $in: creatorIds } }, populate: ['roles'] })) as SubjectRow[]).map((user) => [user.id, user]))
    : new Map<number, SubjectRow>();
  return new Map(rows.map((row) => [Number(row.id), { ...row, createdBy: row.createdBy ? (creators.get(row.createdBy.id) ?? row.createdBy) : null }]));
}
