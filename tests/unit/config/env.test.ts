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
      IMAGE_SEARCH_PUBLIC_BASE_URL: 'https://cms.example.com',
      IMAGE_SEARCH_TOPIC: '',
      UNRELATED: 'x',
    });
    expect(raw).toEqual({
      kafka: { brokers: ['kafka-1:9092', 'kafka-2:9092'], ssl: true, sasl: { mechanism: 'scram-sha-512', username: 'worker', password: 'secret' } },
      milvus: { address: 'milvus:19530', token: 'root:Milvus' },
      worker: { groupId: 'indexers', batchSize: 16, publicBaseUrl: 'https://cms.example.com' },
    });
    const config = parseConfig(raw);
    expect(config.kafka.topic).toBe('strapi.image-search.media.v1');
    expect(config.worker.batchSize).toBe(16);
  });

  it('leaves a bad number for the schema to name', () => {
    expect(() => parseConfig(configFromEnv({ KAFKA_BROKERS: 'k:9092', MILVUS_ADDRESS: 'm:19530', IMAGE_SEARCH_BATCH_SIZE: 'many' }))).toThrow('image-search.worker.batchSize');
  });
});
