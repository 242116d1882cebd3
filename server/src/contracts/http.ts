import { z } from 'zod';

/** HTTP contract shared by the server (validation) and the admin (types). No Strapi imports here. */

export const SEARCH_LIMITS = {
  defaultPageSize: 20,
  maxPageSize: 100,
  /** Milvus caps top-k at 16384; results beyond it are unreachable by paging. */
  maxResultWindow: 16384,
} as const;

const toList = (value: unknown) =>
  value === undefined
    ? undefined
    : (Array.isArray(value) ? value : [value]).flatMap((item) => String(item).split(',')).map((s) => s.trim()).filter(Boolean);

const integerParam = (name: string) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .refine(Number.isFinite, `${name} must be a finite number`)
    .int(`${name} must be an integer`);

export const fileIdParamSchema = z.object({
  id: integerParam('id').positive('id must be a positive integer'),
});

export const similarQuerySchema = z
  .object({
    page: integerParam('page').min(1, 'page must be at least 1').default(1),
    pageSize: integerParam('pageSize')
      .min(1, 'pageSize must be at least 1')
      .max(SEARCH_LIMITS.maxPageSize, `pageSize must be at most ${SEARCH_LIMITS.maxPageSize}`)
      .default(SEARCH_LIMITS.defaultPageSize),
    threshold: z.coerce
      .number({ error: 'threshold must be a number' })
      .min(0, 'threshold must be between 0 and 1')
      .max(1, 'threshold must be between 0 and 1')
      .optional(),
    contentType: z.preprocess(
      toList,
      z.array(z.string().regex(/^[a-z0-9-]+::[a-z0-9-]+\.[a-z0-9-]+$/, 'contentType must be content-type UIDs such as api::article.article')).optional()
    ),
  })
  .strict()
  .refine((q) => q.page * q.pageSize <= SEARCH_LIMITS.maxResultWindow, {
    message: `page * pageSize must be at most ${SEARCH_LIMITS.maxResultWindow}`,
    path: ['page'],
  });

export type SimilarQuery = z.infer<typeof similarQuerySchema>;

export interface FileSummary {
  id: number;
  documentId: string;
  name: string;
  url: string;
  mime: string | null;
  width: number | null;
  height: number | null;
}

export interface SimilarHit {
  file: FileSummary;
  /** Cosine similarity clamped to [0, 1]; 1 means the same image. */
  similarity: number;
}

export interface SimilarResponse {
  data: SimilarHit[];
  meta: {
    query: { fileId: number };
    pagination: { page: number; pageSize: number; hasMore: boolean };
    threshold: number;
    contentTypes: string[] | null;
    model: string;
  };
}

export interface IndexFailure {
  fileId: number;
  /** The file's name, or null when it has been deleted since. */
  name: string | null;
  reason: string;
  at: string;
}

export interface IndexStatus {
  model: string;
  library: { images: number };
  index: { reachable: true; collection: string; files: number; vectors: number } | { reachable: false };
  /** Files the workers could not index, with the reasons of the latest ones. */
  failures: { count: number; recent: IndexFailure[] };
  outbox: { pending: number; oldestPendingAt: string | null };
  worker: { inProcess: boolean; running: boolean };
}

export interface IndexStatusResponse {
  data: IndexStatus;
}
