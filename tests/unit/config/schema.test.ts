import { ConfigError, FLAT_MAX_IMAGES, HNSW_MAX_IMAGES, indexTypeFor, parseConfig, parseConfigSection } from '../../../server/src/config/schema';

const minimal = { kafka: { brokers: ['127.0.0.1:9092'] }, milvus: { address: '127.0.0.1:19530' } };

describe('plugin config', () => {
  it('fills every default from a minimal config', () => {
    const config = parseConfig(minimal);
    expect(config.worker.inProcess).toBe(true);
    expect(config.model.id).toBe('resnet50');
    expect(config.milvus.index.type).toBe('HNSW');
    expect(config.kafka.topicPartitions).toBe(3);
    expect(config.preprocessing).toEqual({ trimBorders: true, trimTolerance: 10, maxInputPixels: 100_000_000 });
  });

  it("gives each index type its own parameters, unless the config sets them", () => {
    const index = (value: object) => parseConfig({ ...minimal, milvus: { ...minimal.milvus, index: value } }).milvus.index;
    expect(index({})).toEqual({ type: 'HNSW', params: { M: 16, efConstruction: 200 }, searchParams: { ef: 64 } });
    expect(index({ type: 'IVF_SQ8' })).toEqual({ type: 'IVF_SQ8', params: { nlist: 1024 }, searchParams: { nprobe: 16 } });
    expect(index({ type: 'FLAT' })).toEqual({ type: 'FLAT', params: {}, searchParams: {} });
    expect(index({ type: 'IVF_FLAT', params: { nlist: 4096 } })).toEqual({ type: 'IVF_FLAT', params: { nlist: 4096 }, searchParams: { nprobe: 16 } });
    expect(index({ type: 'DISKANN' })).toEqual({ type: 'DISKANN', params: {}, searchParams: { search_list: 100 } });
    expect(index({ type: 'DISKANN', searchParams: { search_list: 200 } })).toEqual({ type: 'DISKANN', params: {}, searchParams: { search_list: 200 } });
  });

  it('chooses the index type from the expected number of images when the config names none', () => {
    const index = (value: object) => parseConfig({ ...minimal, milvus: { ...minimal.milvus, index: value } }).milvus.index;
    expect(index({ expectedImages: 5_000 })).toEqual({ type: 'FLAT', params: {}, searchParams: {} });
    expect(index({ expectedImages: 2_000_000 })).toEqual({ type: 'HNSW', params: { M: 16, efConstruction: 200 }, searchParams: { ef: 64 } });
    expect(index({ expectedImages: 200_000_000 })).toEqual({ type: 'DISKANN', params: {}, searchParams: { search_list: 100 } });
    // A named type wins; the size only fills a gap.
    expect(index({ expectedImages: 200_000_000, type: 'IVF_SQ8' }).type).toBe('IVF_SQ8');
    // Without a size, HNSW as before; undefined (an unset variable in config/plugins.js) counts as absent.
    expect(index({}).type).toBe('HNSW');
    expect(index({ type: undefined, expectedImages: undefined }).type).toBe('HNSW');
  });

  it('switches index type exactly at the thresholds', () => {
    expect([1, FLAT_MAX_IMAGES, FLAT_MAX_IMAGES + 1, HNSW_MAX_IMAGES, HNSW_MAX_IMAGES + 1].map(indexTypeFor)).toEqual(['FLAT', 'FLAT', 'HNSW', 'HNSW', 'DISKANN']);
    expect(indexTypeFor(undefined)).toBe('HNSW');
  });

  it.each([
    [{ milvus: minimal.milvus }, 'image-search.kafka: '],
    [{ ...minimal, kafka: { brokers: [] } }, 'image-search.kafka.brokers: needs at least one broker'],
    [{ ...minimal, kafka: { brokers: ['localhost'] } }, 'image-search.kafka.brokers.0: must be host:port'],
    [{ ...minimal, milvus: { address: '127.0.0.1:19530', index: { type: 'ANNOY' } } }, 'image-search.milvus.index.type'],
    [{ ...minimal, milvus: { address: '127.0.0.1:19530', index: { type: 'diskann' } } }, 'image-search.milvus.index.type'],
    [{ ...minimal, milvus: { address: '127.0.0.1:19530', index: { expectedImages: 0 } } }, 'image-search.milvus.index.expectedImages'],
    [{ ...minimal, milvus: { address: '127.0.0.1:19530', index: { expectedImages: 1.5 } } }, 'image-search.milvus.index.expectedImages'],
    [{ ...minimal, milvus: { address: '127.0.0.1:19530', index: { expectedImages: '1e6' } } }, 'image-search.milvus.index.expectedImages'],
    [{ ...minimal, worker: { groupId: '' } }, 'image-search.worker.groupId'],
    [{ ...minimal, model: { id: 'vgg99' } }, 'image-search.model.id'],
    [{ ...minimal, milvus: { address: '127.0.0.1:19530', collectionPrefix: '1bad-name' } }, 'image-search.milvus.collectionPrefix'],
    [{ ...minimal, search: { threshold: 1.5 } }, 'image-search.search.threshold'],
    [{ ...minimal, search: { duplicateThreshold: -0.1 } }, 'image-search.search.duplicateThreshold'],
  ])('rejects bad config with a message naming the key (%#)', (raw, key) => {
    expect(() => parseConfig(raw)).toThrow(ConfigError);
    expect(() => parseConfig(raw)).toThrow(key);
  });

  it('rejects unknown keys, which are usually typos', () => {
    expect(() => parseConfig({ ...minimal, workers: { inProcess: false } })).toThrow(/workers/);
  });

  it('parses one section alone, naming its bad keys by their full path', () => {
    expect(parseConfigSection({ kafka: { brokers: ['127.0.0.1:9092'] } }, 'kafka').indexTopic).toBe('strapi.image-search.index.v1');
    expect(() => parseConfigSection({ milvus: minimal.milvus }, 'kafka')).toThrow(/image-search\.kafka: /);
    expect(() => parseConfigSection({ kafka: { brokers: [] } }, 'kafka')).toThrow(/image-search\.kafka\.brokers: needs at least one broker/);
  });
});
