import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { FILE_UID } from '../strapi-data/file-records';
import { pushTo } from '../utils/push-to';
import { withCreators, type SubjectRow } from './creators';

/**
 * What Strapi itself requires of an admin user for each part of a merge, checked with Strapi's own permission
 * engine (conditions such as "is creator" and i18n locales included), so `duplicates.resolve` never lets a role do
 * what the Media Library or the Content Manager would refuse it:
 *   - deleting the copies and editing the keeper's alt text: the Media Library's `plugin::upload.assets.update`;
 *   - re-pointing an entry: the Content Manager's `plugin::content-manager.explorer.update` on its content type,
 *     and `plugin::content-manager.explorer.publish` too when the entry is a published version.
 */

export const MERGE_ACTIONS = {
  updateFiles: 'plugin::upload.assets.update',
  updateEntries: 'plugin::content-manager.explorer.update',
  publishEntries: 'plugin::content-manager.explorer.publish',
} as const;

/** An entry row a merge changes. */
export interface ChangedRow {
  contentType: string;
  rowId: number;
  published: boolean;
}

/** The admin user's permissions (ctx.state.userAbility), as Strapi's permission services take them. */
export type UserAbility = unknown;

export async function assertMayMerge(strapi: Core.Strapi, ability: UserAbility, { fileIds, rows }: { fileIds: readonly number[]; rows: readonly ChangedRow[] }): Promise<void> {
  const files = await withCreators(strapi, FILE_UID, fileIds);
  const upload = strapi.service('admin::permission').createPermissionsManager({ ability, action: MERGE_ACTIONS.updateFiles, model: FILE_UID });
  const deniedFiles = fileIds.filter((id) => !files.has(id) || upload.ability.cannot(upload.action, upload.toSubject(files.get(id)!)));
  if (deniedFiles.length > 0) {
    throw forbidden(`Merging needs the Media Library's right to update and delete files (${MERGE_ACTIONS.updateFiles}) on file${deniedFiles.length > 1 ? 's' : ''} ${deniedFiles.join(', ')}`, [
      { action: MERGE_ACTIONS.updateFiles, subject: FILE_UID, fileIds: deniedFiles },
    ]);
  }

  const missing: Array<{ action: string; subject: string }> = [];
  const byType = new Map<string, ChangedRow[]>();
  for (const row of rows) pushTo(byType, row.contentType, row);
  for (const [uid, changed] of byType) {
    const entities = await withCreators(strapi, uid, changed.map((row) => row.rowId));
    const checker = strapi.plugin('content-manager').service('permission-checker').create({ userAbility: ability, model: uid });
    const denied = (check: (entity: SubjectRow) => boolean, which: ChangedRow[]) => which.some((row) => !entities.has(row.rowId) || check(entities.get(row.rowId)!));
    if (denied((entity) => checker.cannot.update(entity), changed)) missing.push({ action: MERGE_ACTIONS.updateEntries, subject: uid });
    if (denied((entity) => checker.cannot.publish(entity), changed.filter((row) => row.published))) missing.push({ action: MERGE_ACTIONS.publishEntries, subject: uid });
  }
  if (missing.length > 0) {
    const rights = missing.map(({ action, subject }) => `${action} on ${subject}`).join(', ');
    throw forbidden(`Merging re-points entries this user may not change in the Content Manager: it needs ${rights}`, missing);
  }
}

// A 403 whose message names the right: Strapi passes a PolicyError's message on, and blanks other ForbiddenErrors.
const forbidden = (message: string, missing: unknown[]) => new errors.PolicyError(message, { missing });
