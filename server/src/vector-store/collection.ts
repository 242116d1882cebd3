import { ErrorCode, MilvusClient } from '@zilliz/milvus2-sdk-node';
import { INDEX_DEFAULTS, type PluginConfig } from '../config/schema';
import { UnavailableError } from '../errors/pipeline-errors';
import { pushTo } from '../utils/push-to';
import type { IndexCollection } from './types';
import { partitionOfRow, vectorRowId } from './partitions';

/** Reads and writes on one Milvus collection (or alias), and the Milvus status checks shared with the store. */

export const FIELDS = { pk: 'pk', fileId: 'file_id', version: 'version', vector: 'embedding' } as const;
const QUERY_PAGE = 16384;
/** File ids per stats query; a window's rows (ids x partitions per file) must stay under QUERY_PAGE. */
const STATS_WINDOW = 2048;

export type MilvusConfig = PluginConfig['milvus'];

/**
 * A client for the configured Milvus. The SDK says hello to the server from its constructor and leaves that
 * promise unobserved: with Milvus down, its rejection would crash the process. Calls fail on their own instead.
 */
export function createMilvusClient(config: MilvusConfig, timeoutMs = config.timeoutMs): MilvusClient {
  const client = new MilvusClient({ address: config.address, token: config.token, database: config.database, ssl: config.ssl, timeout: timeoutMs, logLevel: 'warn' });
  client.connectPromise.catch(() => undefined);
  return client;
}

/**
 * Closes a client's channel once its handshake is over. The handshake retries on timers, and a retry firing after
 * the channel closed throws uncaught; the caller is not held up by an outage's retries.
 */
export function closeMilvusClient(client: MilvusClient): void {
  void client.connectPromise
    .catch(() => undefined)
    .then(() => client.closeConnection())
    .catch(() => undefined);
}

export interface Status {
  error_code?: string | number;
  reason?: string;
}

export function check(status: Status | undefined, operation: string): void {
  if (!status || status.error_code === ErrorCode.SUCCESS || status.error_code === 0) return;
  throw new UnavailableError(`Milvus ${operation} failed: ${status.reason || status.error_code}`);
}

export const failedUnlessExists = (status: Status, operation: string) => {
  // A concurrent worker may have created it first.
  if (status.error_code !== ErrorCode.SUCCESS && !/exist/i.test(status.reason ?? '')) check(status, operation);
};

/** Reads and writes on one collection or alias. No state is cached: an alias may move between calls. */
export function bindCollection(client: MilvusClient, collection: string, config: MilvusConfig): IndexCollection {
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

    async search({ vector, limit, partitions, excludeFileId, consistency: level }) {
      const res = await client.search({
        collection_name: collection,
        vector: [...vector],
        limit,
        partition_names: partitions,
        filter: excludeFileId === undefined ? undefined : `${FIELDS.fileId} != ${excludeFileId}`,
        output_fields: [FIELDS.fileId],
        metric_type: 'COSINE',
        params: searchParams(config.index, limit),
        ...(level ? { consistency_level: level as never } : consistency),
      });
      check(res.status, 'search');
      return res.results.map((row) => ({ fileId: Number(row[FIELDS.fileId]), score: Number(row.score) }));
    },

    async existingPartitions(names) {
      const existing = new Set(await listPartitions());
      return names.filter((name) => existing.has(name));
    },

    async countRows() {
      // Bounded: a status figure may trail the latest writes by a moment, and skips Strong's wait for a time tick.
      const res = await client.query({ collection_name: collection, expr: `${FIELDS.fileId} >= 0`, output_fields: ['count(*)'], consistency_level: 'Bounded' as never });
      check(res.status, 'count');
      return Number(res.data[0]?.['count(*)'] ?? 0);
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

/** HNSW needs ef >= k and DISKANN search_list >= k, so they grow with the requested window. */
export function searchParams(index: MilvusConfig['index'], limit: number): Record<string, number> {
  const params = { ...index.searchParams };
  if (index.type === 'HNSW') params.ef = Math.max(params.ef ?? INDEX_DEFAULTS.HNSW.searchParams.ef, limit);
  if (index.type === 'DISKANN') params.search_list = Math.max(params.search_list ?? INDEX_DEFAULTS.DISKANN.searchParams.search_list, limit);
  return params;
}
