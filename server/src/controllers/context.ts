import type { readQueryImage } from './query-image';

/** The part of Koa's context the controllers read and write. */
export interface RequestContext {
  params: unknown;
  query: Record<string, unknown>;
  request: { body?: unknown; files?: Parameters<typeof readQueryImage>[0] };
  body: unknown;
}
