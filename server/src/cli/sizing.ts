import { buildMediaEvent, toMediaFile } from '../capture/event-builder';
import type { IndexType } from '../config/schema';
import { buildEvent, INDEX_EVENT_TYPES, MEDIA_EVENT_TYPES, toKafkaMessage } from '../contracts/events';

/**
 * `strapi-image-search sizing`: the resources a library of a given size needs, from the formulas in the README
 * ("Capacity planning"). Estimates to plan with, not guarantees: Milvus adds segment and compaction overheads.
 */

export type SizedIndex = IndexType;

export interface SizingInput {
  images: number;
  /** Vector dimension: 2048 for resnet50, 512 for vgg16. */
  dim: number;
  index: SizedIndex;
  /** Content types using an average image: each one is a row in its own partition. */
  contentTypesPerImage: number;
  /** Uploads, replacements and usage changes a day: the media events Kafka keeps. */
  eventsPerDay: number;
  retentionDays: number;
  replication: number;
  /** One worker's sustained images/s (measured: `npm run bench`). */
  imagesPerSecondPerWorker: number;
  workers: number;
  /** HNSW's M. */
  hnswM: number;
}

export interface SizingEstimate {
  vectors: number;
  /** Milvus query nodes: the loaded index and the scalar fields. */
  milvusMemoryBytes: number;
  /** Milvus object storage: insert logs (raw rows) plus index files. */
  milvusDiskBytes: number;
  /** Query nodes' local disk (SSD): the DiskANN index files they search; 0 for the in-memory index types. */
  milvusLocalDiskBytes: number;
  /** Media and index topics over the retention, all replicas. */
  kafkaBytes: number;
  /** Model time for a full reindex, and the wall-clock time with `workers` workers. */
  reindexWorkerHours: number;
  reindexHours: number;
}

/** pk `<file id>:<partition>` (~40 bytes), file_id and version (8 each), and Milvus's row id and timestamp (8 each). */
const SCALAR_BYTES_PER_ROW = 72;
/** IVF indexes keep each row's id beside its (raw or quantized) vector. */
const IVF_ID_BYTES = 8;
/** Milvus 2.3's `DiskIndex` defaults (milvus.yaml): graph degree, and the RAM budgets as fractions of the raw vectors. */
const DISKANN = { maxDegree: 56, pqCodeRatio: 0.125, searchCacheRatio: 0.1 };
/** DiskANN reads whole 4 KB sectors; a graph node never straddles two unless it is larger than one. */
const SECTOR_BYTES = 4096;

interface IndexFootprint {
  /** Index bytes in query-node memory, beside the raw vectors when `rawInMemory`. */
  memory: number;
  rawInMemory: boolean;
  /** The built index's files in object storage. */
  files: number;
  /** Whether query nodes search those files from their local disk (SSD) instead of memory. */
  filesOnLocalDisk: boolean;
}

/** Bytes per vector of each index type: what differs between them. */
function indexFootprint(index: SizedIndex, dim: number, hnswM: number): IndexFootprint {
  const raw = dim * 4;
  switch (index) {
    case 'FLAT':
      return { memory: 0, rawInMemory: true, files: 0, filesOnLocalDisk: false };
    case 'IVF_FLAT':
      return { memory: IVF_ID_BYTES, rawInMemory: true, files: raw + IVF_ID_BYTES, filesOnLocalDisk: false };
    case 'IVF_SQ8':
      // One byte per dimension instead of four; the raw vectors stay in object storage only.
      return { memory: dim + IVF_ID_BYTES, rawInMemory: false, files: dim + IVF_ID_BYTES, filesOnLocalDisk: false };
    case 'HNSW': {
      // 2M neighbours of 4 bytes on the base layer, and about 1/M as much again on the upper layers.
      const graph = 2 * hnswM * 4 * (1 + 1 / hnswM);
      return { memory: graph, rawInMemory: true, files: raw + graph, filesOnLocalDisk: false };
    }
    case 'DISKANN': {
      // On disk: each raw vector with its neighbour list (a count and up to maxDegree ids, 4 bytes each), in whole
      // sectors, plus the PQ codes. In memory: the PQ codes and a cache of graph nodes, each a budgeted share of raw.
      const node = raw + 4 * (DISKANN.maxDegree + 1);
      const sectored = node > SECTOR_BYTES ? Math.ceil(node / SECTOR_BYTES) * SECTOR_BYTES : SECTOR_BYTES / Math.floor(SECTOR_BYTES / node);
      return { memory: raw * (DISKANN.pqCodeRatio + DISKANN.searchCacheRatio), rawInMemory: false, files: sectored + raw * DISKANN.pqCodeRatio, filesOnLocalDisk: true };
    }
  }
}

/** The size of one Kafka message of each topic, measured on real events of the plugin's contracts. */
export function eventBytes(): { media: number; index: number } {
  const file = toMediaFile({
    id: 123456,
    documentId: 'a1b2c3d4e5f6g7h8i9j0k1l2',
    name: 'a-typical-photo-name.jpg',
    url: '/uploads/a_typical_photo_name_4f6e2b1c9a.jpg',
    mime: 'image/jpeg',
    width: 4032,
    height: 3024,
    size: 2345.67,
    hash: 'a_typical_photo_name_4f6e2b1c9a',
    provider: 'local',
    updatedAt: new Date(),
    formats: Object.fromEntries(
      Object.entries({ thumbnail: [208, 156], small: [500, 375], medium: [750, 563], large: [1000, 750] }).map(([name, [width, height]]) => [
        name,
        { url: `/uploads/${name}_a_typical_photo_name_4f6e2b1c9a.jpg`, width, height },
      ])
    ),
  });
  const size = (message: { key: string; value: string; headers: Record<string, string> }) =>
    Buffer.byteLength(message.key) + Buffer.byteLength(message.value) + Object.entries(message.headers).reduce((sum, [k, v]) => sum + k.length + v.length, 0);
  const media = buildMediaEvent(MEDIA_EVENT_TYPES.created, file, ['api::article.article']);
  const applied = buildEvent(INDEX_EVENT_TYPES.applied, file.id, {
    fileId: file.id,
    model: 'resnet50_gem_rmac',
    action: 'indexed',
    reason: null,
    causation: { id: media.id, type: media.type },
  });
  // Kafka's record batch adds about 70 bytes per record (headers, offsets, CRC).
  return { media: size(toKafkaMessage(media)) + 70, index: size(toKafkaMessage(applied)) + 70 };
}

export function estimateCapacity(input: SizingInput): SizingEstimate {
  const vectors = input.images * input.contentTypesPerImage;
  const raw = input.dim * 4;
  const index = indexFootprint(input.index, input.dim, input.hnswM);
  const memoryPerVector = (index.rawInMemory ? raw : 0) + index.memory + SCALAR_BYTES_PER_ROW;
  // Object storage keeps the raw rows (insert logs) and the built index files.
  const diskPerVector = raw + SCALAR_BYTES_PER_ROW + index.files;
  const { media, index: indexEvent } = eventBytes();
  const reindexWorkerHours = input.images / input.imagesPerSecondPerWorker / 3600;
  return {
    vectors,
    milvusMemoryBytes: vectors * memoryPerVector,
    milvusDiskBytes: vectors * diskPerVector,
    milvusLocalDiskBytes: index.filesOnLocalDisk ? vectors * index.files : 0,
    kafkaBytes: input.eventsPerDay * input.retentionDays * (media + indexEvent) * input.replication,
    reindexWorkerHours,
    reindexHours: reindexWorkerHours / input.workers,
  };
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${UNITS[unit]}`;
}

export function formatEstimate(input: SizingInput, estimate: SizingEstimate): string {
  const hours = (value: number) => (value >= 48 ? `${(value / 24).toFixed(1)} days` : `${value.toFixed(1)} h`);
  const rows: Array<[string, string]> = [
    ['images', input.images.toLocaleString('en')],
    ['vectors (images x content types per image)', estimate.vectors.toLocaleString('en')],
    [`Milvus memory (${input.index}, ${input.dim}-d)`, formatBytes(estimate.milvusMemoryBytes)],
    ['Milvus object storage', formatBytes(estimate.milvusDiskBytes)],
    ...(estimate.milvusLocalDiskBytes > 0 ? [['Milvus query-node SSD (DiskANN index files)', formatBytes(estimate.milvusLocalDiskBytes)] as [string, string]] : []),
    [`Kafka (${input.eventsPerDay.toLocaleString('en')} events/day, ${input.retentionDays} days, x${input.replication})`, formatBytes(estimate.kafkaBytes)],
    [`full reindex at ${input.imagesPerSecondPerWorker} images/s per worker`, `${estimate.reindexWorkerHours.toFixed(1)} worker-hours`],
    [`  with ${input.workers} worker${input.workers > 1 ? 's' : ''}`, hours(estimate.reindexHours)],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}
