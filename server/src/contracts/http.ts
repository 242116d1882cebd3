import { z } from 'zod';
import { DISMISS_DECISIONS, type DuplicateKind } from './duplicate-kinds';

/** HTTP contract shared by the server (validation) and the admin (types). No Strapi imports here. */

export const SEARCH_LIMITS = {
  defaultPageSize: 20,
  maxPageSize: 100,
  /** Milvus caps top-k at 16384; results beyond it are unreachable by paging. */
  maxResultWindow: 16384,
  /** Files one resolve or "not duplicates" call may name. */
  maxGroupFiles: 100,
  /** Matched points a pair's picture shows: enough to see the match, few enough to see each line. */
  drawnPoints: 60,
} as const;

/** The multipart field of `POST .../search` that carries the query image. */
export const QUERY_IMAGE_FIELD = 'image';

const toList = (value: unknown) =>
  value === undefined
    ? undefined
    : (Array.isArray(value) ? value : [value]).flatMap((item) => String(item).split(',')).map((s) => s.trim()).filter(Boolean);

/**
 * A query parameter read as a number. Blank (`threshold=`, `threshold=%20`) and repeated (`threshold[]=`) values are
 * errors, not 0: coercing them would turn a careless request into "the whole library".
 */
const toNumber = (value: unknown) => (typeof value === 'string' ? (value.trim() === '' ? Number.NaN : Number(value)) : Array.isArray(value) ? Number.NaN : value);
const numberParam = (name: string, checks: (number: z.ZodNumber) => z.ZodNumber = (number) => number) =>
  z.preprocess(toNumber, checks(z.number({ error: `${name} must be a number` })));
const integerParam = (name: string, checks: (number: z.ZodNumber) => z.ZodNumber = (number) => number) =>
  numberParam(name, (number) => checks(number.int(`${name} must be an integer`)));

const fileIdParam = (name: string) => integerParam(name, (id) => id.positive(`${name} must be a positive integer`));

export const fileIdParamSchema = z.object({ id: fileIdParam('id') });

const paging = {
  page: integerParam('page', (page) => page.min(1, 'page must be at least 1')).default(1),
  pageSize: integerParam('pageSize', (size) =>
    size.min(1, 'pageSize must be at least 1').max(SEARCH_LIMITS.maxPageSize, `pageSize must be at most ${SEARCH_LIMITS.maxPageSize}`)
  ).default(SEARCH_LIMITS.defaultPageSize),
};

const thresholdParam = numberParam('threshold', (threshold) =>
  threshold.min(0, 'threshold must be between 0 and 1').max(1, 'threshold must be between 0 and 1')
).optional();

const contentTypeParam = z.preprocess(
  toList,
  z
    .array(z.string().regex(/^[a-z0-9-]+::[a-z0-9-]+\.[a-z0-9-]+$/, 'contentType must be content-type UIDs such as api::article.article'))
    .min(1, 'contentType must name at least one content type')
    .optional()
);

export const similarQuerySchema = z
  .object({
    ...paging,
    threshold: thresholdParam,
    contentType: contentTypeParam,
    /** MIME types (`image/png`) or families (`image/*`) results must have. */
    mime: z.preprocess(
      toList,
      z
        .array(z.string().regex(/^[a-z]+\/([a-z0-9.+-]+|\*)$/, 'mime must be MIME types such as image/png or image/*'))
        .min(1, 'mime must name at least one MIME type')
        .optional()
    ),
  })
  .strict()
  .refine((q) => q.page * q.pageSize <= SEARCH_LIMITS.maxResultWindow, {
    message: `page * pageSize must be at most ${SEARCH_LIMITS.maxResultWindow}`,
    path: ['page'],
  });

export type SimilarQuery = z.infer<typeof similarQuerySchema>;

export const duplicatesQuerySchema = z
  .object({ ...paging, threshold: thresholdParam, contentType: contentTypeParam })
  .strict();

export type DuplicatesQuery = z.infer<typeof duplicatesQuerySchema>;

const fileIdList = (name: string, min: number) =>
  z
    .array(z.number({ error: `${name} must hold file ids` }).int(`${name} must hold integer file ids`).positive(`${name} must hold positive file ids`), {
      error: `${name} must be an array of file ids`,
    })
    .min(min, `${name} needs at least ${min} file id${min > 1 ? 's' : ''}`)
    .max(SEARCH_LIMITS.maxGroupFiles, `${name} takes at most ${SEARCH_LIMITS.maxGroupFiles} file ids`)
    .refine((ids) => new Set(ids).size === ids.length, `${name} must not repeat a file id`);

export const resolveDuplicatesSchema = z
  .object({
    keeperId: z.number({ error: 'keeperId must be a file id' }).int('keeperId must be an integer').positive('keeperId must be positive'),
    discardIds: fileIdList('discardIds', 1),
  })
  .strict()
  .refine((body) => !body.discardIds.includes(body.keeperId), { message: 'discardIds must not contain the keeper', path: ['discardIds'] });

export type ResolveDuplicates = z.infer<typeof resolveDuplicatesSchema>;

export const dismissDuplicatesSchema = z
  .object({
    fileIds: fileIdList('fileIds', 2),
    decision: z.enum(DISMISS_DECISIONS, { message: `decision must be one of ${DISMISS_DECISIONS.join(', ')}` }).default('not-duplicates'),
  })
  .strict();

export type DismissDuplicates = z.infer<typeof dismissDuplicatesSchema>;

export const duplicatePairQuerySchema = z
  .object({ a: fileIdParam('a'), b: fileIdParam('b') })
  .strict()
  .refine((q) => q.a !== q.b, { message: 'a and b must be two different files', path: ['b'] });

export type DuplicatePairQuery = z.infer<typeof duplicatePairQuerySchema>;

/** Why the duplicate decision sees two files as it does: the pair verified now, and the keypoints it matched. */
export interface DuplicatePairMatch {
  a: number;
  b: number;
  /** Null when the two are not one picture, nor one scene. */
  kind: DuplicateKind | null;
  /** Whether the site counts this kind as duplicates (search.duplicateKinds). */
  counted: boolean;
  /** Matches consistent with one transform. */
  inliers: number;
  /** Whether a matches b mirrored. */
  mirrored: boolean;
  /** Share of the overlap where both agree in structure; null when too little of it is textured to tell. */
  agreement: number | null;
  /** Matched points to draw (at most SEARCH_LIMITS.drawnPoints), as [ax, ay, bx, by]: shares of each image's width and height, as displayed. */
  points: Array<[number, number, number, number]>;
}

/** What "not duplicates" (or "keep both") did: the files named, and how many of their pairs were newly marked. */
export interface DismissReport {
  fileIds: number[];
  decision: (typeof DISMISS_DECISIONS)[number];
  pairsMarked: number;
}

export interface FileSummary {
  id: number;
  documentId: string;
  name: string;
  url: string;
  /** The small rendition Strapi made on upload, or the file itself when it made none. */
  thumbnailUrl: string;
  mime: string | null;
  width: number | null;
  height: number | null;
  /** Bytes. */
  size: number | null;
  alternativeText: string | null;
  caption: string | null;
  createdAt: string | null;
}

/** One entry row referencing a file. Drafts and published versions are separate rows. */
export interface EntryUsage {
  contentType: string;
  documentId: string;
  /**
   * The entry's display field (the Content Manager's main field), or its documentId. Null in the admin panel for an
   * entry the user may not read in the Content Manager.
   */
  title: string | null;
  /** Path of the media field, through components: `cover`, `seo.shareImage`, `blocks.image`. */
  field: string;
  status: 'draft' | 'published';
  locale: string | null;
}

export interface UsedFile extends FileSummary {
  usedBy: EntryUsage[];
}

export interface SimilarHit {
  file: UsedFile;
  /** Cosine similarity clamped to [0, 1]; 1 means the same image. */
  similarity: number;
}

export interface SimilarResponse {
  data: SimilarHit[];
  meta: {
    query: { fileId: number } | { image: { name: string; mime: string; width: number; height: number } };
    pagination: { page: number; pageSize: number; hasMore: boolean };
    threshold: number;
    contentTypes: string[] | null;
    model: string;
  };
}

export interface DuplicateGroup {
  /** Stable name of the group: its smallest file id. */
  id: number;
  /**
   * The copy to keep: a file every other file of the group duplicates (groups never chain), chosen among those by
   * the keeper rules (`search.keeperRules`).
   */
  suggestedKeeperId: number;
  /** Why that copy, in words: the first rule that sets it apart, e.g. `largest: 4000×3000`. */
  keeperReason: string;
  /**
   * The group's files, the suggested keeper first; similarity and kind are to the suggested keeper (the keeper's
   * own kind is null, as is that of a pair stored before pairs were verified).
   */
  files: Array<UsedFile & { similarity: number; kind: DuplicateKind | null }>;
}

export interface DuplicatesResponse {
  data: DuplicateGroup[];
  meta: {
    pagination: { page: number; pageSize: number; total: number; pageCount: number };
    /** The similarity groups were formed at: the request's, or the site's duplicate decision. */
    threshold: number;
    /** The site's duplicate decision (search.duplicateThreshold): a merge needs this similarity to the keeper. */
    mergeThreshold: number;
    /** The kinds of verified copy the site counts as duplicates (search.duplicateKinds). */
    kinds: DuplicateKind[];
    contentTypes: string[] | null;
  };
}

/** A file whose indexing found near-duplicates already in the library (from `image-search.duplicate-detected.v1`). */
export interface DuplicateNoticeView {
  file: FileSummary;
  at: string;
  /** kind: what the verified copy is; null in notices from before pairs were verified. */
  duplicates: Array<{ file: FileSummary; similarity: number; kind: DuplicateKind | null }>;
}

export interface ResolveReport {
  keeperId: number;
  deleted: number[];
  /** Entry rows that referenced a discarded file and now reference the keeper. */
  repointed: Array<EntryUsage & { fromFileId: number }>;
  /** Metadata the keeper lacked and took from a discarded copy. */
  merged: { alternativeText?: string; caption?: string };
}

export interface IndexFailure {
  fileId: number;
  /** The file's name, or null when it has been deleted since. */
  name: string | null;
  reason: string;
  at: string;
}

/**
 * The space an index's vectors are in: the model's own (`identity`), or a whitening learned from `learnedFrom`
 * images of the library; `thresholds` are the ones the site uses in it (the config's, else the space's own).
 */
export interface IndexSpace {
  id: string;
  dim: number;
  learnedFrom: number | null;
  learnedAt: string | null;
  thresholds: { duplicate: number; search: number };
}

/** The latest time the index learned (or tried to learn) its whitening from the library. */
export interface WhiteningFit {
  state: 'learning' | 'learned' | 'too-few' | 'failed' | 'interrupted';
  /** Sampled images embedded with their edits so far, of `total`. */
  done: number;
  total: number;
  reason: string | null;
  finishedAt: string | null;
}

export interface IndexStatus {
  model: string;
  library: { images: number };
  /** `pending`: images neither indexed nor failed yet, i.e. still on their way through Kafka and the workers. */
  index: { reachable: true; collection: string; files: number; vectors: number; pending: number; space: IndexSpace } | { reachable: false };
  /** Files the workers could not index, with the reasons of the latest ones. */
  failures: { count: number; recent: IndexFailure[] };
  outbox: { pending: number; oldestPendingAt: string | null };
  /** `lag`: media events published to Kafka that the workers' consumer group has not consumed yet (null: Kafka unreachable). */
  worker: { inProcess: boolean; running: boolean; lag: number | null };
  /**
   * A zero-downtime rebuild under way: how many vectors its new collection holds so far (of index.vectors), and
   * while it first learns its whitening from the library, how far that got (`learning`).
   */
  rebuild: { active: true; vectors: number; learning: { done: number; total: number } | null } | { active: false };
  whitening: WhiteningFit | null;
  duplicateScan: DuplicateScanStatus;
}

/**
 * The full scan that rebuilds the duplicate graph: `needed` when the graph was built with other settings (or never),
 * `running` with its progress, `complete` once done. `done` and `total` count indexed images.
 */
export interface DuplicateScanStatus {
  state: 'needed' | 'running' | 'complete';
  done: number;
  total: number;
  finishedAt: string | null;
}

export interface RebuildStarted {
  /** Images queued for the new collection (what it still lacks when resumed); none yet while it learns first. */
  queued: number;
  /** True when the rebuild first learns the library's whitening (minutes); it queues the images after. */
  learning: boolean;
}

export const reconcileRequestSchema = z
  .object({
    /** Another model's index, e.g. one being filled by the workers of a new model before Strapi switches to it. */
    model: z.string().regex(/^[A-Za-z0-9_]{1,64}$/, 'model must be a model id such as resnet50_gem_rmac').optional(),
  })
  .strict();


/** What a reconciliation of Strapi's files with a model's index found and repaired. */
export interface ReconcileReport {
  /** Image files compared. */
  checked: number;
  /** Images missing from the index, queued for indexing. */
  queued: number;
  /** Images indexed under the wrong content types, queued to move. */
  moved: number;
  /** Vectors of files that no longer exist, deleted. */
  orphansDeleted: number;
  /** Images indexed as they should be, left alone. */
  indexed: number;
  /** Images the workers could not index, left marked failed (a scheduled run; a manual one retries them). */
  failed: number;
  /** Images changed within the grace period, left to their events. */
  recent: number;
}

export interface IndexStatusResponse {
  data: IndexStatus;
}
