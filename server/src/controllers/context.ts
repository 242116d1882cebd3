import type { Audience } from '../access/visibility';

/** The part of Koa's context the controllers read and write. */
export interface RequestContext {
  params: unknown;
  query: Record<string, unknown>;
  request: { body?: unknown };
  state: Record<string, unknown> & { route?: { info?: { type?: string } }; userAbility?: unknown; auth?: unknown };
  body: unknown;
}

/** Who asks: the admin user of an admin route, or the token, user or public role of a content-API route. */
export const audienceOf = ({ state }: RequestContext): Audience =>
  state.route?.info?.type === 'admin' ? { surface: 'admin', ability: state.userAbility } : { surface: 'content-api', auth: state.auth };
