import type { Core } from '@strapi/strapi';
import { contentTypes as contentTypeUtils } from '@strapi/utils';
import { toEntryUsage, type MediaUsage, type UsageRow } from '../strapi-data/media-usage';
import type { EntryUsage, FileSummary, UsedFile } from '../contracts/http';
import { FILE_UID } from '../strapi-data/file-records';
import { pushTo } from '../utils/push-to';
import { withCreators } from './creators';

/**
 * What a caller may see of the library: the same as Strapi itself would show them.
 *
 * Content API (an API token, a users-permissions user, or the public role):
 *   - a file is visible when the caller may list the Media Library (`plugin::upload.content-api.find`), or when a
 *     published entry of a content type the caller may read (`<uid>.find`) uses it; any other file is as absent
 *     as a missing one (404);
 *   - `usedBy` lists only published entries of content types the caller may read; an entry's title is its display
 *     field unless that field is private, then its documentId;
 *   - file fields go through Strapi's content-API output sanitization, as the Upload plugin's own routes do.
 * Admin panel:
 *   - a file is visible when the admin user may read it in the Media Library (`plugin::upload.read`, conditions
 *     included);
 *   - `usedBy` lists every entry, but titles only of entries the user may read in the Content Manager; others
 *     show `title: null`.
 */

/** Who asks: an admin user (ctx.state.userAbility) or a content-API caller (ctx.state.auth). */
export type Audience = { surface: 'admin'; ability: unknown } | { surface: 'content-api'; auth: unknown };

export interface Visibility {
  /** The content types whose files alone this audience may find; null: any file. */
  readonly contentTypes: readonly string[] | null;
  /** The visible files among `files`, in order, each with the usages this audience may see. */
  reveal(files: readonly FileSummary[]): Promise<UsedFile[]>;
}

export const CONTENT_API_ACTIONS = { findFiles: 'plugin::upload.content-api.find', findEntries: (uid: string) => `${uid}.find` } as const;
export const ADMIN_ACTIONS = { readFiles: 'plugin::upload.read', readEntries: 'plugin::content-manager.explorer.read' } as const;

export async function visibilityFor(strapi: Core.Strapi, usage: MediaUsage, audience: Audience): Promise<Visibility> {
  return audience.surface === 'admin' ? adminVisibility(strapi, usage, audience.ability) : contentApiVisibility(strapi, usage, audience.auth);
}

async function contentApiVisibility(strapi: Core.Strapi, usage: MediaUsage, auth: unknown): Promise<Visibility> {
  const may = (scope: string) =>
    strapi.auth.verify(auth as never, { scope: [scope] } as never).then(
      () => true,
      () => false
    );
  const mediaTypes = Object.keys(strapi.contentTypes).filter((uid) => usage.hasMediaAttributes(uid));
  const allowed = await Promise.all(mediaTypes.map((uid) => may(CONTENT_API_ACTIONS.findEntries(uid))));
  const readable = new Set(mediaTypes.filter((_, i) => allowed[i]));
  const anyFile = await may(CONTENT_API_ACTIONS.findFiles);
  const fileSchema = strapi.getModel(FILE_UID as never);

  const shown = (row: UsageRow) => row.status === 'published' && readable.has(row.contentType);
  const titled = (row: UsageRow): EntryUsage => {
    const model = strapi.getModel(row.contentType as never);
    return toEntryUsage(contentTypeUtils.isPrivateAttribute(model, row.titleField) ? { ...row, title: row.documentId } : row);
  };

  return {
    contentTypes: anyFile ? null : [...readable].sort(),
    async reveal(files) {
      const usages = await usage.entryRowsUsingFiles(files.map((file) => file.id));
      const visible = files.flatMap((file) => {
        const usedBy = (usages.get(file.id) ?? []).filter(shown);
        return anyFile || usedBy.length > 0 ? [{ file, usedBy: usedBy.map(titled) }] : [];
      });
      return Promise.all(
        visible.map(async ({ file, usedBy }) => {
          const sanitized = (await strapi.contentAPI.sanitize.output({ ...file }, fileSchema, { auth } as never)) as Partial<FileSummary>;
          // A field the app made private is gone from the output; the contract keeps its key, empty.
          const blanked = Object.fromEntries(Object.keys(file).filter((key) => !(key in sanitized)).map((key) => [key, null]));
          return { ...file, ...sanitized, ...blanked, usedBy } as UsedFile;
        })
      );
    },
  };
}

async function adminVisibility(strapi: Core.Strapi, usage: MediaUsage, ability: unknown): Promise<Visibility> {
  const permissions = strapi.service('admin::permission');
  const files = permissions.createPermissionsManager({ ability, action: ADMIN_ACTIONS.readFiles, model: FILE_UID });
  const checkers = new Map<string, { can: { read: (entity?: unknown) => boolean }; requiresEntity: { read: () => boolean } }>();
  const checker = (uid: string) => {
    if (!checkers.has(uid)) checkers.set(uid, strapi.plugin('content-manager').service('permission-checker').create({ userAbility: ability, model: uid }));
    return checkers.get(uid)!;
  };

  /** Row ids of entries the user may read, per content type; conditions (creator, locale) are checked per row. */
  async function readableRows(rows: readonly UsageRow[]): Promise<Set<string>> {
    const readable = new Set<string>();
    const byType = new Map<string, UsageRow[]>();
    for (const row of rows) pushTo(byType, row.contentType, row);
    for (const [uid, typed] of byType) {
      // Without conditions, the content type decides for every entry: nothing to load.
      if (!checker(uid).requiresEntity.read()) {
        if (checker(uid).can.read()) for (const row of typed) readable.add(`${uid}:${row.rowId}`);
        continue;
      }
      const entities = await withCreators(strapi, uid, [...new Set(typed.map((row) => row.rowId))]);
      for (const [id, entity] of entities) if (checker(uid).can.read(entity)) readable.add(`${uid}:${id}`);
    }
    return readable;
  }

  return {
    contentTypes: null,
    async reveal(candidates) {
      if (!files.isAllowed) return [];
      let visible = [...candidates];
      if (hasConditions(ability, ADMIN_ACTIONS.readFiles, FILE_UID)) {
        const subjects = await withCreators(strapi, FILE_UID, candidates.map((file) => file.id));
        visible = candidates.filter((file) => subjects.has(file.id) && files.ability.can(files.action, files.toSubject(subjects.get(file.id)!)));
      }
      const usages = await usage.entryRowsUsingFiles(visible.map((file) => file.id));
      const readable = await readableRows([...usages.values()].flat());
      return visible.map((file) => ({
        ...file,
        usedBy: (usages.get(file.id) ?? []).map((row) => toEntryUsage(readable.has(`${row.contentType}:${row.rowId}`) ? row : { ...row, title: null })),
      }));
    },
  };
}

/** Whether the user's permission for `action` on `subject` holds only under conditions (such as "is creator"). */
function hasConditions(ability: unknown, action: string, subject: string): boolean {
  const rulesFor = (ability as { rulesFor?: (action: string, subject: string) => Array<{ conditions?: object }> }).rulesFor;
  return typeof rulesFor !== 'function' || rulesFor.call(ability, action, subject).some((rule) => rule.conditions && Object.keys(rule.conditions).length > 0);
}
