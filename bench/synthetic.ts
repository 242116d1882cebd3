import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { check, failedUnlessExists } from '../server/src/vector-store/collection';
import { partitionForContentType, UNATTACHED_PARTITION } from '../server/src/vector-store/partitions';
import { IDENTITY_THRESHOLDS, projectionId, type Projection } from '../server/src/whitening/projection';

/**
 * Synthetic index rows for the search benchmarks, deterministic by file id: unit vectors drawn around CLUSTERS
 * random centres (like embeddings of photo subjects, whose neighbours are similar but not equal), spread over the
 * playground's content-type partitions.
 */

const CLUSTERS = 2000;
/** Noise against a unit-variance centre: members of a cluster have a cosine similarity of about 0.67. */
const NOISE = 0.7;

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

/**
 * A stand-in for a learned whitening that keeps a model vector's first `dim` values: the benchmark's collection
 * then has the dimension a whitened index has, and search by upload projects the model's vector as it would.
 */
export function syntheticProjection(modelId: string, inputDim: number, dim: number): Projection {
  const mean = new Float32Array(inputDim);
  const matrix = new Float32Array(dim * inputDim);
  for (let row = 0; row < dim; row++) matrix[row * inputDim + row] = 1;
  return { id: projectionId(modelId, mean, matrix), modelId, inputDim, dim, mean, matrix, thresholds: IDENTITY_THRESHOLDS, fittedOn: { images: 0, pairs: 0, at: new Date().toISOString() } };
}

/** Partitions of a synthetic file: most are unattached, a quarter used by articles, some by pages, a few by both. */
export function syntheticPartitions(fileId: number): string[] {
  const bucket = fileId % 20;
  if (bucket < 11) return [UNATTACHED_PARTITION];
  if (bucket < 16) return [partitionForContentType('api::article.article')];
  if (bucket < 19) return [partitionForContentType('api::page.page')];
  return [partitionForContentType('api::article.article'), partitionForContentType('api::page.page')];
}

/** Creates those of `partitions` the collection does not have yet. */
export async function ensurePartitions(client: MilvusClient, collection: string, partitions: readonly string[]): Promise<void> {
  const existing = new Set((await client.showPartitions({ collection_name: collection })).partition_names);
  for (const partition of partitions.filter((name) => !existing.has(name))) {
    failedUnlessExists(await client.createPartition({ collection_name: collection, partition_name: partition }), 'createPartition');
  }
}

/** Seals what was loaded, waits until the index covers every row, and loads the collection; returns the row count. */
export async function waitUntilIndexed(client: MilvusClient, collection: string): Promise<number> {
  const flushed = await client.flushSync({ collection_names: [collection] });
  check(flushed.status, 'flush');
  for (;;) {
    const res = await client.describeIndex({ collection_name: collection });
    check(res.status, 'describeIndex');
    const { indexed_rows, total_rows, pending_index_rows } = res.index_descriptions[0];
    if (Number(total_rows) > 0 && Number(indexed_rows) >= Number(total_rows) && Number(pending_index_rows) === 0) {
      // Milvus 2.3 does not always hand bulk-imported segments to a loaded collection's query node (after a rebuild
      // they stayed unsearchable); loading the collection again does.
      check(await client.releaseCollection({ collection_name: collection }), 'releaseCollection');
      check(await client.loadCollectionSync({ collection_name: collection }), 'loadCollection');
      return Number(total_rows);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
