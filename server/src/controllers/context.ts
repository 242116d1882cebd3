/** The part of Koa's context the controllers read and write. */
export interface RequestContext {
  params: unknown;
  query: Record<string, unknown>;
  request: { body?: unknown };
  state: Record<string, unknown>;
  body: unknown;
}
