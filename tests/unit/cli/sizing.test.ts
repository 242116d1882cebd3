import { parseSizingOptions, runSizing } from '../../../server/src/cli/sizing-command';
import { estimateCapacity, eventBytes, formatBytes, type SizingInput } from '../../../server/src/cli/sizing';

const base: SizingInput = {
  images: 1_000_000,
  dim: 2048,
  index: 'FLAT',
  contentTypesPerImage: 1,
  eventsPerDay: 100_000,
  retentionDays: 7,
  replication: 1,
  imagesPerSecondPerWorker: 20,
  workers: 1,
  hnswM: 16,
};

describe('sizing', () => {
  it('holds the raw vectors in memory for FLAT, plus a graph for HNSW, and a quarter of them for IVF_SQ8', () => {
    const flat = estimateCapacity(base).milvusMemoryBytes / base.images;
    const hnsw = estimateCapacity({ ...base, index: 'HNSW' }).milvusMemoryBytes / base.images;
    const sq8 = estimateCapacity({ ...base, index: 'IVF_SQ8' }).milvusMemoryBytes / base.images;
    expect(flat).toBe(2048 * 4 + 72);
    expect(hnsw - flat).toBeCloseTo(2 * 16 * 4 * (1 + 1 / 16));
    expect(sq8).toBe(2048 + 8 + 72);
  });

  it('holds only PQ codes and a node cache in memory for DISKANN, and puts the graph on the query nodes\' SSD', () => {
    const hnsw = estimateCapacity({ ...base, index: 'HNSW' });
    const diskann = estimateCapacity({ ...base, index: 'DISKANN' });
    expect(diskann.milvusMemoryBytes / base.images).toBeCloseTo(2048 * 4 * (0.125 + 0.1) + 72);
    expect(diskann.milvusMemoryBytes).toBeLessThan(hnsw.milvusMemoryBytes / 4);
    // A 2048-d vector and its 56 neighbours (8,420 bytes) take three 4 KB sectors, beside 1 KB of PQ code.
    expect(diskann.milvusLocalDiskBytes / base.images).toBe(3 * 4096 + 1024);
    // 512-d: one node (2,276 bytes) per sector.
    expect(estimateCapacity({ ...base, dim: 512, index: 'DISKANN' }).milvusLocalDiskBytes / base.images).toBe(4096 + 256);
    expect(hnsw.milvusLocalDiskBytes).toBe(0);
    expect(diskann.milvusDiskBytes / base.images).toBe(2048 * 4 + 72 + 3 * 4096 + 1024);
  });

  it('chooses the index the plugin would for the library size, unless --index names one', () => {
    expect(parseSizingOptions({ images: '5000' }).index).toBe('FLAT');
    expect(parseSizingOptions({ images: '1000000' }).index).toBe('HNSW');
    expect(parseSizingOptions({ images: '100000000' }).index).toBe('DISKANN');
    expect(parseSizingOptions({ images: '100000000', index: 'ivf_sq8' }).index).toBe('IVF_SQ8');
    expect(runSizing({ images: '100000000' })).toMatch(/Milvus memory \(DISKANN, 512-d\)[\s\S]*Milvus query-node SSD \(DiskANN index files\)\s+435 GB/);
    expect(runSizing({ images: '1000000' })).not.toMatch(/SSD/);
  });

  it('scales with content types per image, retention and replication, and divides reindex time among workers', () => {
    const one = estimateCapacity(base);
    const more = estimateCapacity({ ...base, contentTypesPerImage: 2, retentionDays: 14, replication: 3, workers: 4 });
    expect(more.milvusMemoryBytes).toBe(2 * one.milvusMemoryBytes);
    expect(more.kafkaBytes).toBeCloseTo(6 * one.kafkaBytes);
    expect(one.reindexWorkerHours).toBeCloseTo(1_000_000 / 20 / 3600);
    expect(more.reindexHours).toBeCloseTo(one.reindexWorkerHours / 4);
  });

  it('measures event sizes on real events of the contracts', () => {
    const { media, index } = eventBytes();
    expect(media).toBeGreaterThan(500);
    expect(media).toBeLessThan(3000);
    expect(index).toBeGreaterThan(200);
  });

  it('formats sizes in powers of 1000', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(8_400_000_000)).toBe('8.4 GB');
    expect(formatBytes(1_700_000_000_000)).toBe('1.7 TB');
  });

  it('reads the options, with clear errors for bad ones', () => {
    expect(parseSizingOptions({ images: '1000', model: 'vgg16', index: 'hnsw' })).toMatchObject({ images: 1000, dim: 512, index: 'HNSW', eventsPerDay: 100 });
    // ResNet50's index is the learned whitening's 512-d space, unless told otherwise.
    expect(parseSizingOptions({ images: '1000' }).dim).toBe(512);
    expect(parseSizingOptions({ images: '1000', dim: '2048' }).dim).toBe(2048);
    expect(() => parseSizingOptions({})).toThrow('sizing: needs --images');
    expect(() => parseSizingOptions({ images: '-5' })).toThrow('--images must be an integer of at least 1');
    expect(() => parseSizingOptions({ images: '10', model: 'clip' })).toThrow('--model must be one of resnet50, vgg16, or give --dim');
    expect(() => parseSizingOptions({ images: '10', index: 'ANNOY' })).toThrow('--index must be one of FLAT, IVF_FLAT, IVF_SQ8, HNSW, DISKANN');
    expect(JSON.parse(runSizing({ images: '10', json: true })).estimate.vectors).toBe(10);
  });
});
