import type { Audience } from '../access/visibility';

/** The part of Koa's context the controllers read and write. */
export interface RequestContext {
  params: unknown;
  query: Record<string, unknown>;
  request: { body?: unknown };
  state: Record<string, unknown> & { userAbility?: unknown; auth?: unknown };
  body: unknown;
}

/** The admin user of an admin route: what they see follows their Media Library and Content Manager rights. */
export const adminAudience = ({ state }: RequestContext): Audience => ({ surface: 'admin', ability: state.userAbility });

/** The API token, user or public role of a content-API route: it sees what the site may publish. */
export const contentApiAudience = ({ state }: RequestContext): Audience => ({ surface: 'content-api', auth: state.auth });
