import { DataType, ErrorCode, type MilvusClient } from '@zilliz/milvus2-sdk-node';
import type { IndexType } from '../config/schema';
import { PipelineError } from '../errors/pipeline-errors';
import { check, FIELDS, type MilvusConfig, type Status } from './collection';

/** Creating the configured vector index, and finding out whether this Milvus can build a DISKANN one. */

type IndexConfig = MilvusConfig['index'];

const INSTEAD = 'HNSW (or IVF_SQ8, which holds about a quarter as much in memory)';

/** A refused index is a config problem, so retrying cannot help; the message names the key to change. */
export function indexRefused(type: IndexType, reason: string): PipelineError {
  const fix =
    type === 'DISKANN'
      ? `this Milvus does not support DiskANN: set milvus.index.type to ${INSTEAD}`
      : 'fix milvus.index.params, or set milvus.index.type to another index type';
  return new PipelineError(`Milvus refused a ${type} index (${reason}): ${fix}`, false);
}

export async function createVectorIndex(client: MilvusClient, collection: string, index: IndexConfig): Promise<void> {
  const status: Status & { retriable?: boolean } = await client.createIndex({
    collection_name: collection,
    field_name: FIELDS.vector,
    index_type: index.type,
    metric_type: 'COSINE',
    params: index.params,
  });
  if (status.error_code === ErrorCode.SUCCESS || status.retriable) check(status, 'createIndex');
  else throw indexRefused(index.type, status.reason || String(status.error_code));
}

export type DiskAnnSupport = { supported: true } | { supported: false; reason: string };

/** Rows of the test collection: Milvus 2.3 builds no index on a segment under 1,024 rows (it serves it raw). */
const PROBE_ROWS = 2048;
/** Milvus 2.3 documents DiskANN for vectors of at least 32 dimensions. */
const PROBE_DIM = 32;

/**
 * Whether this Milvus can build a DISKANN index, found by building one on a throwaway collection (a few seconds
 * where it can). Asking is not enough: the PyPI Milvus 2.3.5 accepts createIndex, then fails the build
 * ("C Runtime Exception: bad_function_call" in its log) and retries it forever while describeIndex says InProgress
 * with no reason, and searches are served from unindexed segments. So a build that does not finish in `timeoutMs`
 * counts as unsupported. Milvus errors (unreachable, timed out) throw.
 */
export async function probeDiskAnn(client: MilvusClient, { prefix, timeoutMs = 60_000, pollMs = 1000 }: { prefix: string; timeoutMs?: number; pollMs?: number }): Promise<DiskAnnSupport> {
  const name = `${prefix}_diskann_probe_${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  check(
    await client.createCollection({
      collection_name: name,
      description: 'strapi-plugin-image-search: can this Milvus build a DISKANN index? Dropped after the test.',
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: false },
        { name: FIELDS.vector, data_type: DataType.FloatVector, dim: PROBE_DIM },
      ],
    }),
    'createCollection'
  );
  try {
    const data = Array.from({ length: PROBE_ROWS }, (_, id) => ({ id, [FIELDS.vector]: Array.from({ length: PROBE_DIM }, () => Math.random() - 0.5) }));
    check((await client.insert({ collection_name: name, data })).status, 'insert');
    check((await client.flushSync({ collection_names: [name] })).status, 'flush');
    const indexed = await client.createIndex({ collection_name: name, field_name: FIELDS.vector, index_type: 'DISKANN', metric_type: 'COSINE', params: {} });
    if (indexed.error_code !== ErrorCode.SUCCESS) return { supported: false, reason: `Milvus refused it: ${indexed.reason || indexed.error_code}` };
    for (const deadline = Date.now() + timeoutMs; ; ) {
      const described = await client.describeIndex({ collection_name: name });
      check(described.status, 'describeIndex');
      const { state, index_state_fail_reason: failure } = described.index_descriptions[0] ?? {};
      if (state === 'Finished') return { supported: true };
      if (state === 'Failed') return { supported: false, reason: `its build failed: ${failure || 'no reason given'}` };
      if (Date.now() >= deadline) return { supported: false, reason: `Milvus accepted the index but had not built it after ${timeoutMs / 1000} s (state ${state ?? 'unknown'}; Milvus retries a failing build silently, its log says why)` };
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  } finally {
    await client.dropCollection({ collection_name: name }).catch(() => undefined);
  }
}

export const DISKANN_FIX =
  'use a Milvus standalone or cluster deployment with disk indexes on (queryNode.enableDisk: true; the PyPI Milvus 2.3 cannot build DiskANN), ' +
  `or set milvus.index.type to ${INSTEAD}`;

export function diskAnnUnsupported(reason: string): PipelineError {
  return new PipelineError(`milvus.index.type is DISKANN, but this Milvus cannot build a DiskANN index on a ${PROBE_ROWS.toLocaleString('en')}-row test collection: ${reason}. Fix: ${DISKANN_FIX}.`, false);
}
