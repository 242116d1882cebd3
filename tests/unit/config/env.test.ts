import { configFromEnv } from '../../../server/src/config/env';
import { parseConfig } from '../../../server/src/config/schema';

describe('config from environment variables', () => {
  it('builds the config from the variables that are set, and the schema fills the rest', () => {
    const raw = configFromEnv({
      KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9092',
      KAFKA_SSL: 'true',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'worker',
      KAFKA_SASL_PASSWORD: 'secret',
      MILVUS_ADDRESS: 'milvus:19530',
      MILVUS_TOKEN: 'root:Milvus',
      IMAGE_SEARCH_GROUP_ID: 'indexers',
      IMAGE_SEARCH_BATCH_SIZE: '16',
      IMAGE_SEARCH_IN_PROCESS_WORKER: 'false',
      IMAGE_SEARCH_SEARCH_CONSISTENCY: 'Strong',
      IMAGE_SEARCH_PUBLIC_BASE_URL: 'https://cms.example.com',
      IMAGE_SEARCH_TOPIC: '',
      UNRELATED: 'x',
    });
    expect(raw).toEqual({
      kafka: { brokers: ['kafka-1:9092', 'kafka-2:9092'], ssl: true, sasl: { mechanism: 'scram-sha-512', username: 'worker', password: 'secret' } },
      milvus: { address: 'milvus:19530', token: 'root:Milvus' },
      search: { consistencyLevel: 'Strong' },
      worker: { groupId: 'indexers', batchSize: 16, inProcess: false, publicBaseUrl: 'https://cms.example.com' },
    });
    const config = parseConfig(raw);
    expect(config.kafka.topic).toBe('strapi.image-search.media.v1');
    expect(config.worker.batchSize).toBe(16);
  });

  it('sets the index type, or the expected images it is chosen from', () => {
    const base = { KAFKA_BROKERS: 'k:9092', MILVUS_ADDRESS: 'm:19530' };
    expect(configFromEnv({ ...base, IMAGE_SEARCH_INDEX_TYPE: 'DISKANN', IMAGE_SEARCH_EXPECTED_IMAGES: '5e7' }).milvus).toEqual({
      address: 'm:19530',
      index: { type: 'DISKANN', expectedImages: 50_000_000 },
    });
    expect(parseConfig(configFromEnv({ ...base, IMAGE_SEARCH_EXPECTED_IMAGES: '60000000' })).milvus.index.type).toBe('DISKANN');
    expect(parseConfig(configFromEnv({ ...base, IMAGE_SEARCH_INDEX_TYPE: '', IMAGE_SEARCH_EXPECTED_IMAGES: '' })).milvus.index.type).toBe('HNSW');
    expect(() => parseConfig(configFromEnv({ ...base, IMAGE_SEARCH_EXPECTED_IMAGES: '50_000_000' }))).toThrow('image-search.milvus.index.expectedImages');
  });

  it('leaves a bad number for the schema to name', () => {
    expect(() => parseConfig(configFromEnv({ KAFKA_BROKERS: 'k:9092', MILVUS_ADDRESS: 'm:19530', IMAGE_SEARCH_BATCH_SIZE: 'many' }))).toThrow('image-search.worker.batchSize');
  });
});
