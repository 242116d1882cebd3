import { z } from 'zod';
import { DEFAULT_DUPLICATE_KINDS, DUPLICATE_KINDS } from '../contracts/duplicate-kinds';
import { DEFAULT_CACHE_DIR } from '../verification/image-cache';

/** The plugin's configuration: the one schema, its defaults, and the type inferred from it. */

const brokerSchema = z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port');

export const INDEX_TYPES = ['FLAT', 'IVF_FLAT', 'IVF_SQ8', 'HNSW', 'DISKANN'] as const;
export type IndexType = (typeof INDEX_TYPES)[number];

/**
 * Each index type's own build and search parameters, when the config gives none. DISKANN takes no build parameters
 * on Milvus 2.3 (its milvus.yaml `DiskIndex` section sets them); its `search_list`, like HNSW's `ef`, is raised to
 * the requested window when needed.
 */
export const INDEX_DEFAULTS: Record<IndexType, { params: Record<string, number>; searchParams: Record<string, number> }> = {
  FLAT: { params: {}, searchParams: {} },
  IVF_FLAT: { params: { nlist: 1024 }, searchParams: { nprobe: 16 } },
  IVF_SQ8: { params: { nlist: 1024 }, searchParams: { nprobe: 16 } },
  HNSW: { params: { M: 16, efConstruction: 200 }, searchParams: { ef: 64 } },
  DISKANN: { params: {}, searchParams: { search_list: 100 } },
};

/**
 * Up to this many images, FLAT: exact, nothing to build, and as fast as HNSW at 10k vectors; at 50k its searches
 * took 2.2 times as long (README, "Benchmarks", search).
 */
export const FLAT_MAX_IMAGES = 10_000;
/** Up to this many images, HNSW; above, its graph and raw vectors in RAM cost too much, and DISKANN keeps them on disk. */
export const HNSW_MAX_IMAGES = 50_000_000;

/**
 * The index type for a library of `expectedImages`, when the config names none. Without a size, HNSW: fast at any
 * size up to tens of millions, where FLAT slows down linearly, and barely bigger than FLAT in memory.
 */
export function indexTypeFor(expectedImages: number | undefined): IndexType {
  if (expectedImages === undefined) return 'HNSW';
  if (expectedImages <= FLAT_MAX_IMAGES) return 'FLAT';
  return expectedImages <= HNSW_MAX_IMAGES ? 'HNSW' : 'DISKANN';
}

export const CONSISTENCY_LEVELS = ['Strong', 'Session', 'Bounded', 'Eventually'] as const;
export type ConsistencyLevel = (typeof CONSISTENCY_LEVELS)[number];

/** What makes a copy the one to keep, in the order `search.keeperRules` lists them (similarity/keeper-rules.ts). */
export const KEEPER_RULES = ['resolution', 'fileSize', 'format', 'metadata', 'usage', 'oldest'] as const;
export type KeeperRule = (typeof KEEPER_RULES)[number];

/** How a worker consumes: in Strapi or alone, its consumer group, batching, and where it reads local files. */
export const workerSchema = z
  .object({
    inProcess: z.boolean().default(true),
    groupId: z.string().min(1).default('strapi-image-search-indexer'),
    /**
     * Images per model call; a batch is whatever has arrived, up to this, so a lone upload never waits. Each batch
     * also pays two Strong Milvus reads (stale check, duplicate check; a time tick each, 0.2-0.4 s), so a backlog
     * drains about twice as fast at 32 as at 8 (README, "Benchmarks").
     */
    batchSize: z.number().int().min(1).max(64).default(32),
    /** Files fetched and decoded at once, while the model works. */
    decodeConcurrency: z.number().int().min(1).max(64).default(4),
    /**
     * Decode each file from the smallest format Strapi stored that still holds what indexing uses (about 750 px for a
     * photo) instead of the original; off for sites whose formats differ from their originals (a watermark, say).
     */
    useStoredFormats: z.boolean().default(true),
    /** Larger files are not indexed (failed, with that reason): a download stops there, so no file can exhaust memory. */
    maxFileBytes: z.number().int().min(1024).default(100 * 1024 * 1024),
    /** Where relative file URLs (local upload provider) are read from. */
    publicDir: z.string().optional(),
    publicBaseUrl: z.url().optional(),
    /**
     * Where each indexed file's verification image is kept (about 40 KB per image; verification/image-cache.ts).
     * Workers on other machines than Strapi need it on a shared volume, or their pair checks wait for a scan.
     */
    verificationCacheDir: z.string().min(1).default(DEFAULT_CACHE_DIR),
  })
  .strict()
  .prefault({});

/** Which model turns images into vectors; the `embed` command reads it alone. */
export const modelSchema = z.preprocess(
  // resnet50 is the default, so its settings may omit the id.
  (value) => (value && typeof value === 'object' && !('id' in value) ? { id: 'resnet50', ...value } : value),
  z.discriminatedUnion('id', [
    z
      .object({
        id: z.literal('resnet50'),
        /** Directory holding model.json and its weight shards; defaults to models/resnet50 in the setup cache (~/.cache/strapi-image-search, or $IMAGE_SEARCH_CACHE). */
        path: z.string().min(1).optional(),
      })
      .strict(),
    z
      .object({
        id: z.literal('vgg16'),
        /** A Keras HDF5 weights file (.h5) for the VGG16 architecture, or a tfjs layers model directory. */
        weights: z.string().min(1),
      })
      .strict(),
    z
      .object({
        id: z.literal('custom'),
        /** Part of the collection name (custom_<name>): change it whenever the model changes. */
        name: z.string().regex(/^[a-z0-9_]{1,32}$/, 'must be 1-32 lowercase letters, digits or underscores'),
        path: z.string().min(1),
        format: z.enum(['layers', 'graph']),
        outputLayer: z.string().min(1).optional(),
        inputSize: z.number().int().min(16).max(1024),
        preprocessing: z.enum(['caffe', 'tf', 'torch', 'none']),
        pooling: z.enum(['avg', 'max', 'gem', 'rmac', 'none']).default('none'),
        dim: z.number().int().min(2).max(32768),
      })
      .strict(),
  ])
).prefault({ id: 'resnet50' });

/** How a file becomes the model's input; the `embed` command reads it alone. */
export const preprocessingSchema = z
  .object({
    trimBorders: z.boolean().default(true),
    trimTolerance: z.number().int().min(0).max(128).default(10),
    /** Decompression-bomb guard: images with more pixels are refused, with that reason. */
    maxInputPixels: z.number().int().min(1).default(100_000_000),
  })
  .strict()
  .prefault({});

export const configSchema = z
  .object({
    kafka: z
      .object({
        brokers: z.array(brokerSchema).min(1, 'needs at least one broker'),
        clientId: z.string().min(1).default('strapi-image-search'),
        topic: z.string().min(1).default('strapi.image-search.media.v1'),
        /** Where workers publish what they made of each media event (indexed, skipped, failed and why). */
        indexTopic: z.string().min(1).default('strapi.image-search.index.v1'),
        /** Media messages that can never be applied (undecodable file, malformed event), with the reason in headers. */
        deadLetterTopic: z.string().min(1).default('strapi.image-search.media.dlq.v1'),
        topicPartitions: z.number().int().min(1).max(1000).default(3),
        replicationFactor: z.number().int().min(1).default(1),
        ssl: z.boolean().default(false),
        sasl: z
          .object({
            mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
            username: z.string().min(1),
            password: z.string().min(1),
          })
          .optional(),
      })
      .strict(),
    milvus: z
      .object({
        address: z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port'),
        token: z.string().optional(),
        database: z.string().optional(),
        ssl: z.boolean().default(false),
        collectionPrefix: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be letters, digits and underscores, not starting with a digit')
          .default('image_search'),
        index: z
          .object({
            /** When omitted, chosen from expectedImages (indexTypeFor). */
            type: z.enum(INDEX_TYPES).optional(),
            expectedImages: z.number().int().positive().optional(),
            params: z.record(z.string(), z.number()).optional(),
            searchParams: z.record(z.string(), z.number()).optional(),
          })
          .strict()
          .prefault({})
          .transform(({ expectedImages, type = indexTypeFor(expectedImages), params, searchParams }) => ({
            type,
            params: params ?? INDEX_DEFAULTS[type].params,
            searchParams: searchParams ?? INDEX_DEFAULTS[type].searchParams,
          })),
        /** For the workers' reads and writes; searches have their own (search.consistencyLevel). */
        consistencyLevel: z.enum(CONSISTENCY_LEVELS).default('Strong'),
        /** Per call: a Milvus that is restarting can hold a call for a minute; failing sooner means retrying sooner. */
        timeoutMs: z.number().int().min(1000).default(15_000),
      })
      .strict(),
    model: modelSchema,
    preprocessing: preprocessingSchema,
    worker: workerSchema,
    /** Defaults measured by `npm run bench:quality` (README, "Near-duplicate quality"). */
    search: z
      .object({
        /**
         * Similarity under which search results are dropped, unless a request says otherwise. Unset: the index's own,
         * calibrated to keep 99.9% of edited copies when it learned its whitening, else 0.45.
         */
        threshold: z.number().min(0).max(1).optional(),
        /**
         * Similarity from which two images are candidate duplicates, each then verified by its keypoints (stage 2):
         * the first stage only has to keep the copies, the second removes look-alikes. Unset: the index's own,
         * calibrated to keep 99% of edited copies when it learned its whitening, else 0.70.
         */
        duplicateThreshold: z.number().min(0).max(1).optional(),
        /** What a verified pair must be to count as duplicates (README, "What counts as a duplicate"). */
        duplicateKinds: z
          .array(z.enum(DUPLICATE_KINDS))
          .min(1)
          .refine((kinds) => new Set(kinds).size === kinds.length, 'lists a kind twice')
          .default([...DEFAULT_DUPLICATE_KINDS]),
        /** How the duplicates review suggests the copy to keep: the first rule that tells two copies apart decides. */
        keeperRules: z
          .array(z.enum(KEEPER_RULES))
          .min(1)
          .refine((rules) => new Set(rules).size === rules.length, 'lists a rule twice')
          .default([...KEEPER_RULES]),
        /** Largest image accepted by search by image, in bytes. */
        maxUploadBytes: z.number().int().min(1024).default(20 * 1024 * 1024),
        /**
         * Milvus consistency of searches. Strong waits for Milvus's next time tick on every call (200-400 ms measured);
         * Bounded answers at once and may miss files indexed in the last few seconds.
         */
        consistencyLevel: z.enum(CONSISTENCY_LEVELS).default('Bounded'),
      })
      .strict()
      .prefault({}),
    /**
     * The index learns a whitening of the model's vectors from the library itself (README, "Learned whitening"): at
     * every rebuild, and by itself once a library indexed in the model's own space has minImages images.
     */
    whitening: z
      .object({
        enabled: z.boolean().default(true),
        /** Rebuild by itself when the model's own space's index reaches minImages, and as a small library grows; else only on request. */
        automatic: z.boolean().default(true),
        /** Fewer images than this, and the library keeps the model's own vectors: too few to learn 2048-d statistics from. */
        minImages: z.number().int().min(20).default(100),
        /** Images sampled for a fit, each edited six ways: about a minute of model time per 100 on two cores. */
        sampleSize: z.number().int().min(20).max(10_000).default(400),
      })
      .strict()
      .prefault({}),
    outbox: z
      .object({
        pollIntervalMs: z.number().int().min(50).max(60_000).default(500),
        batchSize: z.number().int().min(1).max(1000).default(100),
        /** Sent rows are kept this long (for audits and re-publishing by hand), then pruned. */
        retentionHours: z.number().min(0).default(7 * 24),
      })
      .strict()
      .prefault({}),
    reconcile: z
      .object({
        /** How often each Strapi instance compares its files with the index and repairs drift; 0 turns it off. */
        intervalHours: z.number().min(0).max(24 * 24).default(24),
        /** Files changed more recently are left to the events still on their way. */
        graceMinutes: z.number().min(0).default(15),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type PluginConfig = z.output<typeof configSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Parses raw config; throws one error naming every bad key, e.g. `image-search.kafka.brokers: needs at least one broker`. */
export function parseConfig(raw: unknown): PluginConfig {
  return parseWith(configSchema, raw, []) as PluginConfig;
}

/** One section alone, for a command that needs no more: `events` reads Kafka with no Milvus address configured. */
export function parseConfigSection<K extends keyof PluginConfig>(raw: unknown, key: K): PluginConfig[K] {
  const section = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>)[key] : undefined;
  return parseWith(configSchema.shape[key], section, [key]) as PluginConfig[K];
}

function parseWith(schema: z.ZodType, raw: unknown, at: string[]): unknown {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const key = ['image-search', ...at, ...issue.path.map(String)].join('.');
    return `${key}: ${issue.message}`;
  });
  throw new ConfigError(`Invalid image-search plugin config:\n  - ${problems.join('\n  - ')}`);
}
