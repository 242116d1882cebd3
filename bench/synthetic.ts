import type { MilvusClient, RowData } from '@zilliz/milvus2-sdk-node';
import { check, failedUnlessExists, FIELDS } from '../server/src/vector-store/collection';
import { pushTo } from '../server/src/utils/push-to';
import { partitionForContentType, UNATTACHED_PARTITION, vectorRowId } from '../server/src/vector-store/partitions';

/**
 * Synthetic index rows for the search benchmarks, deterministic by file id: unit vectors drawn around CLUSTERS
 * random centres (like embeddings of photo subjects, whose neighbours are similar but not equal), spread over the
 * playground's content-type partitions.
 */

const CLUSTERS = 2000;
/** Noise against a unit-variance centre: members of a cluster have a cosine similarity of about 0.67. */
const NOISE = 0.7;
const INSERT_BATCH = 1000;

/** Mulberry32: a small seeded generator, so every run loads the same vectors. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussians(random: () => number, dim: number): Float32Array {
  const values = new Float32Array(dim);
  for (let i = 0; i < dim; i += 2) {
    // Box-Muller: two normal samples per pair of uniforms.
    const radius = Math.sqrt(-2 * Math.log(1 - random()));
    const angle = 2 * Math.PI * random();
    values[i] = radius * Math.cos(angle);
    if (i + 1 < dim) values[i + 1] = radius * Math.sin(angle);
  }
  return values;
}

export function createSyntheticVectors(dim: number) {
  const centres = new Map<number, Float32Array>();
  const centre = (cluster: number) => {
    if (!centres.has(cluster)) centres.set(cluster, gaussians(seeded(cluster + 1), dim));
    return centres.get(cluster)!;
  };
  return {
    vector(fileId: number): number[] {
      const base = centre(fileId % CLUSTERS);
      const noise = gaussians(seeded(1_000_003 * fileId), dim);
      const values = Array.from(base, (value, i) => value + NOISE * noise[i]);
      const norm = Math.hypot(...values);
      return values.map((value) => value / norm);
    },
  };
}

/** Partitions of a synthetic file: most are unattached, a quarter used by articles, some by pages, a few by both. */
export function syntheticPartitions(fileId: number): string[] {
  const bucket = fileId % 20;
  if (bucket < 11) return [UNATTACHED_PARTITION];
  if (bucket < 16) return [partitionForContentType('api::article.article')];
  if (bucket < 19) return [partitionForContentType('api::page.page')];
  return [partitionForContentType('api::article.article'), partitionForContentType('api::page.page')];
}

/** Inserts the rows of files `from`..`to` (inclusive) into the collection, in batches per partition. */
export async function insertSyntheticRows(client: MilvusClient, collection: string, dim: number, from: number, to: number): Promise<void> {
  const vectors = createSyntheticVectors(dim);
  const existing = new Set((await client.showPartitions({ collection_name: collection })).partition_names);
  for (let low = from; low <= to; low += INSERT_BATCH) {
    const byPartition = new Map<string, RowData[]>();
    for (let fileId = low; fileId <= Math.min(to, low + INSERT_BATCH - 1); fileId++) {
      const vector = vectors.vector(fileId);
      for (const partition of syntheticPartitions(fileId)) {
        pushTo(byPartition, partition, { [FIELDS.pk]: vectorRowId(fileId, partition), [FIELDS.fileId]: fileId, [FIELDS.version]: 1, [FIELDS.vector]: vector });
      }
    }
    for (const [partition, data] of byPartition) {
      if (!existing.has(partition)) {
        failedUnlessExists(await client.createPartition({ collection_name: collection, partition_name: partition }), 'createPartition');
        existing.add(partition);
      }
      const res = await client.insert({ collection_name: collection, partition_name: partition, data });
      check(res.status, 'insert');
    }
  }
}

/** Seals what was inserted and waits until the index covers every row; returns the row count. */
export async function waitUntilIndexed(client: MilvusClient, collection: string): Promise<number> {
  const flushed = await client.flushSync({ collection_names: [collection] });
  check(flushed.status, 'flush');
  for (;;) {
    const res = await client.describeIndex({ collection_name: collection });
    check(res.status, 'describeIndex');
    const { indexed_rows, total_rows, pending_index_rows } = res.index_descriptions[0];
    if (Number(total_rows) > 0 && Number(indexed_rows) >= Number(total_rows) && Number(pending_index_rows) === 0) return Number(total_rows);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
