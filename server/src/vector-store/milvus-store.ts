import { DataType, ErrorCode, MilvusClient } from '@zilliz/milvus2-sdk-node';
import type { PluginConfig } from '../config/schema';
import { errorMessage, PipelineError, UnavailableError } from '../errors';
import { pushTo } from '../utils/push-to';
import { partitionOfRow, UNATTACHED_PARTITION, vectorRowId } from './partitions';

/** The Milvus repository: one collection per model, one partition per content type, rows keyed by (file, partition). */

export interface ScoredRow {
  fileId: number;
  score: number;
}

export interface VectorSearch {
  vector: number[];
  limit: number;
  /** Restrict to these partitions; all partitions when absent. */
  partitions?: string[];
  excludeFileId?: number;
  /** Bounded consistency: for scans, which may miss the last second of writes but skip Strong's wait per call. */
  bounded?: boolean;
}

export interface VectorStore {
  readonly collection: string;
  ensureCollection(): Promise<void>;
  replaceFileVectors(fileId: number, partitions: readonly string[], vector: readonly number[], version: number): Promise<void>;
  deleteFile(fileId: number): Promise<void>;
  /** The file's vector; `fresh` guarantees it reflects every write acknowledged before the call. */
  getVector(fileId: number, options?: { fresh?: boolean }): Promise<number[] | null>;
  /** The version (event time) last applied to each of these files that is indexed. */
  appliedVersions(fileIds: readonly number[]): Promise<Map<number, number>>;
  search(query: VectorSearch): Promise<ScoredRow[]>;
  /** One vector per indexed file (file ids up to maxFileId), in the given partitions or all. */
  listVectors(maxFileId: number, partitions?: string[]): Promise<Map<number, number[]>>;
  existingPartitions(names: readonly string[]): Promise<string[]>;
  /**
   * The partitions each indexed file has rows in (one row per partition): file ids up to maxFileId walked in
   * windows, then whatever lies above in one query (orphans of deleted files; a few at most).
   */
  indexedPartitions(maxFileId: number): Promise<Map<number, string[]>>;
  /** The files indexed, and how many rows they have (one per partition), for file ids up to maxFileId. */
  stats(maxFileId: number): Promise<{ fileIds: Set<number>; vectors: number }>;
  /**
   * Starts (or resumes) a rebuild: a new collection behind the `<collection>_next` alias, which every write from
   * then on also goes to, while searches keep using the current one.
   */
  beginRebuild(): Promise<void>;
  /** The collection being rebuilt, or null when no rebuild is under way. */
  rebuildTarget(): Promise<IndexCollection | null>;
  /** Points the collection's alias at the rebuilt collection in one step, then drops the old one. */
  completeRebuild(): Promise<void>;
  close(): Promise<void>;
}

/** What one collection (or alias) offers; the store adds mirroring and rebuilds around the serving one. */
export type IndexCollection = Omit<VectorStore, 'ensureCollection' | 'beginRebuild' | 'rebuildTarget' | 'completeRebuild' | 'close'>;

const FIELDS = { pk: 'pk', fileId: 'file_id', version: 'version', vector: 'embedding' } as const;
const QUERY_PAGE = 16384;
/** File ids per stats query; a window's rows (ids x partitions per file) must stay under QUERY_PAGE. */
const STATS_WINDOW = 2048;
/** File ids per vector query: a 2048-d row is 8 KB, and gRPC replies should stay a few MB. */
const VECTOR_WINDOW = 256;

type MilvusConfig = PluginConfig['milvus'];

interface Status {
  error_code?: string | number;
  reason?: string;
}

function check(status: Status | undefined, operation: string): void {
  if (!status || status.error_code === ErrorCode.SUCCESS || status.error_code === 0) return;
  throw new UnavailableError(`Milvus ${operation} failed: ${status.reason || status.error_code}`);
}

/** Every name is an alias: searches follow it, and a rebuild moves it to a new collection in one step. */
export function collectionName(prefix: string, modelId: string): string {
  return `${prefix}_${modelId}`;
}

const NEXT_SUFFIX = '_next';
/** Physical collections are `<alias>__g<base-36 time>`, one per build. */
const GENERATION = '__g';

const failedUnlessExists = (status: Status, operation: string) => {
  // A concurrent worker may have created it first.
  if (status.error_code !== ErrorCode.SUCCESS && !/exist/i.test(status.reason ?? '')) check(status, operation);
};

export function createMilvusStore(config: MilvusConfig, model: { id: string; dim: number }): VectorStore {
  const client = new MilvusClient({
    address: config.address,
    token: config.token,
    database: config.database,
    ssl: config.ssl,
    timeout: config.timeoutMs,
    logLevel: 'warn',
  });
  const alias = collectionName(config.collectionPrefix, model.id);
  const serving = bindCollection(client, alias, config);
  const next = bindCollection(client, alias + NEXT_SUFFIX, config);

  async function exists(name: string): Promise<boolean> {
    const has = await client.hasCollection({ collection_name: name });
    check(has.status, 'hasCollection');
    return Boolean(has.value);
  }

  async function physicalCollections(): Promise<string[]> {
    const res = await client.showCollections();
    check(res.status, 'showCollections');
    return res.data.map((collection) => collection.name).filter((name) => name === alias || name.startsWith(alias + GENERATION));
  }

  /** A new empty, indexed and loaded collection behind `aliasName`; a concurrent creator's alias wins. */
  async function createGeneration(aliasName: string): Promise<void> {
    const physical = `${alias}${GENERATION}${Date.now().toString(36)}`;
    const created = await client.createCollection({
      collection_name: physical,
      description: `strapi-plugin-image-search vectors of model ${model.id}`,
      consistency_level: config.consistencyLevel,
      fields: [
        { name: FIELDS.pk, data_type: DataType.VarChar, is_primary_key: true, autoID: false, max_length: 320 },
        { name: FIELDS.fileId, data_type: DataType.Int64 },
        { name: FIELDS.version, data_type: DataType.Int64 },
        { name: FIELDS.vector, data_type: DataType.FloatVector, dim: model.dim },
      ],
    });
    check(created, 'createCollection');
    const indexed = await client.createIndex({
      collection_name: physical,
      field_name: FIELDS.vector,
      index_type: config.index.type,
      metric_type: 'COSINE',
      params: config.index.params,
    });
    check(indexed, 'createIndex');
    failedUnlessExists(await client.createPartition({ collection_name: physical, partition_name: UNATTACHED_PARTITION }), 'createPartition');
    check(await client.loadCollectionSync({ collection_name: physical }), 'loadCollection');
    const aliased = await client.createAlias({ alias: aliasName, collection_name: physical });
    if (aliased.error_code !== ErrorCode.SUCCESS) {
      await client.dropCollection({ collection_name: physical });
      failedUnlessExists(aliased, 'createAlias');
    }
  }

  async function aliasesOf(physical: string): Promise<string[]> {
    const res = await client.describeCollection({ collection_name: physical });
    check(res.status, 'describeCollection');
    return res.aliases ?? [];
  }

  /** Writes go to the serving collection, and to the one being rebuilt while there is one. */
  async function mirrored(write: (target: IndexCollection) => Promise<void>): Promise<void> {
    await write(serving);
    if (await exists(alias + NEXT_SUFFIX)) await write(next);
  }

  return failuresAsUnavailable({
    ...serving,

    async ensureCollection() {
      if (!(await exists(alias))) await createGeneration(alias);
      check(await client.loadCollectionSync({ collection_name: alias }), 'loadCollection');
    },

    replaceFileVectors: (fileId, partitions, vector, version) => mirrored((target) => target.replaceFileVectors(fileId, partitions, vector, version)),
    deleteFile: (fileId) => mirrored((target) => target.deleteFile(fileId)),

    async beginRebuild() {
      if (!(await exists(alias + NEXT_SUFFIX))) await createGeneration(alias + NEXT_SUFFIX);
    },

    async rebuildTarget() {
      return (await exists(alias + NEXT_SUFFIX)) ? failuresAsUnavailable(next) : null;
    },

    async completeRebuild() {
      const collections = await physicalCollections();
      const described = await Promise.all(collections.map(async (name) => ({ name, aliases: await aliasesOf(name) })));
      const rebuilt = described.find((collection) => collection.aliases.includes(alias + NEXT_SUFFIX));
      if (!rebuilt) throw new PipelineError('No rebuild is under way', false);
      if (collections.includes(alias)) {
        // An index from before aliases: a plain collection holds the name, so searches pause for a moment here.
        check(await client.dropCollection({ collection_name: alias }), 'dropCollection');
        check(await client.createAlias({ alias, collection_name: rebuilt.name }), 'createAlias');
      } else check(await client.alterAlias({ alias, collection_name: rebuilt.name }), 'alterAlias');
      check(await client.dropAlias({ alias: alias + NEXT_SUFFIX }), 'dropAlias');
      for (const old of described) {
        if (old.name !== rebuilt.name && old.name !== alias) check(await client.dropCollection({ collection_name: old.name }), 'dropCollection');
      }
    },

    async close() {
      await client.closeConnection();
    },
  });
}

/** Reads and writes on one collection or alias. No state is cached: an alias may move between calls. */
function bindCollection(client: MilvusClient, collection: string, config: MilvusConfig): IndexCollection {
  const consistency = { consistency_level: config.consistencyLevel as never };

  /**
   * Deletes the file's rows outside `keep`, by primary key over every partition: Milvus 2.3 runs a delete by any
   * other expression as a Strong query first (~200 ms per call), a delete by key in ~2 ms; absent keys are no-ops.
   */
  async function deleteRows(fileId: number, keep: readonly string[], partitions: readonly string[]): Promise<void> {
    const stale = partitions.filter((partition) => !keep.includes(partition));
    if (stale.length === 0) return;
    const res = await client.deleteEntities({
      collection_name: collection,
      expr: `${FIELDS.pk} in [${stale.map((partition) => JSON.stringify(vectorRowId(fileId, partition))).join(', ')}]`,
    });
    check(res.status, 'delete');
  }

  /** (file id, partition) of each row matching `expr`, at most QUERY_PAGE. */
  async function rowsWhere(expr: string): Promise<Array<[number, string]>> {
    const res = await client.query({ collection_name: collection, expr, output_fields: [FIELDS.pk, FIELDS.fileId], limit: QUERY_PAGE, ...consistency });
    check(res.status, 'query');
    return res.data.map((row) => [Number(row[FIELDS.fileId]), partitionOfRow(String(row[FIELDS.pk]))]);
  }

  /** The partitions each indexed file has rows in, for file ids up to maxFileId. */
  async function partitionsByFile(maxFileId: number): Promise<Map<number, string[]>> {
    // Milvus caps offset + limit at 16384, so walk the file ids in windows instead of paging by offset.
    const byFile = new Map<number, string[]>();
    for (let low = 0; low <= maxFileId; low += STATS_WINDOW) {
      for (const [fileId, partition] of await rowsWhere(`${FIELDS.fileId} >= ${low} && ${FIELDS.fileId} < ${Math.min(low + STATS_WINDOW, maxFileId + 1)}`)) {
        pushTo(byFile, fileId, partition);
      }
    }
    return byFile;
  }

  async function listPartitions(): Promise<string[]> {
    const res = await client.showPartitions({ collection_name: collection });
    check(res.status, 'showPartitions');
    return res.partition_names;
  }

  return {
    collection,

    async replaceFileVectors(fileId, partitions, vector, version) {
      const existing = await listPartitions();
      for (const partition of partitions) {
        if (!existing.includes(partition)) failedUnlessExists(await client.createPartition({ collection_name: collection, partition_name: partition }), 'createPartition');
        const res = await client.upsert({
          collection_name: collection,
          partition_name: partition,
          data: [{ [FIELDS.pk]: vectorRowId(fileId, partition), [FIELDS.fileId]: fileId, [FIELDS.version]: version, [FIELDS.vector]: [...vector] }],
        });
        check(res.status, 'upsert');
      }
      await deleteRows(fileId, partitions, existing);
    },

    async deleteFile(fileId) {
      await deleteRows(fileId, [], await listPartitions());
    },

    async getVector(fileId, { fresh = false } = {}) {
      // A cheap Eventually read finds settled files; a miss, or a caller that must see the latest write, pays
      // for a Strong read (up to one Milvus time tick, ~200 ms).
      for (const consistency_level of fresh ? (['Strong'] as const) : (['Eventually', 'Strong'] as const)) {
        const res = await client.query({
          collection_name: collection,
          expr: `${FIELDS.fileId} == ${fileId}`,
          output_fields: [FIELDS.vector],
          limit: 1,
          consistency_level: consistency_level as never,
        });
        check(res.status, 'query');
        if (res.data[0]) return res.data[0][FIELDS.vector] as number[];
      }
      return null;
    },

    async appliedVersions(fileIds) {
      const versions = new Map<number, number>();
      if (fileIds.length === 0) return versions;
      const res = await client.query({
        collection_name: collection,
        expr: `${FIELDS.fileId} in [${fileIds.map(Number).join(', ')}]`,
        output_fields: [FIELDS.fileId, FIELDS.version],
        limit: QUERY_PAGE,
        ...consistency,
      });
      check(res.status, 'query');
      for (const row of res.data) versions.set(Number(row[FIELDS.fileId]), Math.max(Number(row[FIELDS.version]), versions.get(Number(row[FIELDS.fileId])) ?? 0));
      return versions;
    },

    async search({ vector, limit, partitions, excludeFileId, bounded }) {
      const res = await client.search({
        collection_name: collection,
        vector: [...vector],
        limit,
        partition_names: partitions,
        filter: excludeFileId === undefined ? undefined : `${FIELDS.fileId} != ${excludeFileId}`,
        output_fields: [FIELDS.fileId],
        metric_type: 'COSINE',
        params: searchParams(config.index, limit),
        ...(bounded ? { consistency_level: 'Bounded' as never } : consistency),
      });
      check(res.status, 'search');
      return res.results.map((row) => ({ fileId: Number(row[FIELDS.fileId]), score: Number(row.score) }));
    },

    async listVectors(maxFileId, partitions) {
      const vectors = new Map<number, number[]>();
      for (let low = 0; low <= maxFileId; low += VECTOR_WINDOW) {
        const res = await client.query({
          collection_name: collection,
          expr: `${FIELDS.fileId} >= ${low} && ${FIELDS.fileId} < ${low + VECTOR_WINDOW}`,
          output_fields: [FIELDS.fileId, FIELDS.vector],
          partition_names: partitions,
          limit: QUERY_PAGE,
          ...consistency,
        });
        check(res.status, 'query');
        for (const row of res.data) vectors.set(Number(row[FIELDS.fileId]), row[FIELDS.vector] as number[]);
      }
      return vectors;
    },

    async existingPartitions(names) {
      const existing = new Set(await listPartitions());
      return names.filter((name) => existing.has(name));
    },

    async stats(maxFileId) {
      const rows = await partitionsByFile(maxFileId);
      return { fileIds: new Set(rows.keys()), vectors: [...rows.values()].reduce((sum, partitions) => sum + partitions.length, 0) };
    },

    async indexedPartitions(maxFileId) {
      const rows = await partitionsByFile(maxFileId);
      for (const [fileId, partition] of await rowsWhere(`${FIELDS.fileId} > ${maxFileId}`)) pushTo(rows, fileId, partition);
      return rows;
    },
  };
}

/**
 * Whatever the Milvus client throws (gRPC deadline, connection refused) becomes a retriable UnavailableError: the
 * worker retries it, and the HTTP routes answer 503 instead of 500.
 */
function failuresAsUnavailable<T extends object>(store: T): T {
  const guarded = { ...store };
  for (const [name, value] of Object.entries(store)) {
    if (typeof value !== 'function') continue;
    (guarded as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      try {
        return await value(...args);
      } catch (error) {
        if (error instanceof PipelineError) throw error;
        throw new UnavailableError(`Milvus ${name} failed: ${errorMessage(error).split('\n')[0]}`, { cause: error });
      }
    };
  }
  return guarded;
}

/** HNSW needs ef >= k, so ef grows with the requested window. */
function searchParams(index: MilvusConfig['index'], limit: number): Record<string, number> {
  const params = { ...index.searchParams };
  if (index.type === 'HNSW') params.ef = Math.max(params.ef ?? 64, limit);
  return params;
}
