const path = require('path');

/** A variable's value, or undefined when unset or empty, so the plugin's default applies. */
const optional = (env, name, parse = (value) => value) => (env(name) ? parse(env(name)) : undefined);

module.exports = ({ env }) => ({
  'users-permissions': { config: { jwtSecret: env('JWT_SECRET') } },
  upload: { config: { security: { deniedTypes: ['application/x-sh', 'application/x-dosexec', 'application/x-msdownload'] } } },
  'image-search': {
    enabled: true,
    // An absolute path: a relative one is resolved from inside @strapi/core and silently loads nothing.
    resolve: path.resolve(__dirname, '..', '..'),
    config: {
      kafka: {
        brokers: env.array('KAFKA_BROKERS', ['127.0.0.1:9092']),
        topic: env('IMAGE_SEARCH_TOPIC', 'strapi.image-search.media.v1'),
        indexTopic: env('IMAGE_SEARCH_INDEX_TOPIC', 'strapi.image-search.index.v1'),
        deadLetterTopic: env('IMAGE_SEARCH_DEAD_LETTER_TOPIC', 'strapi.image-search.media.dlq.v1'),
      },
      milvus: {
        address: env('MILVUS_ADDRESS', '127.0.0.1:19530'),
        collectionPrefix: env('IMAGE_SEARCH_COLLECTION_PREFIX', 'image_search'),
        // Unset: the type is chosen from expectedImages, or HNSW without it. Number(), not env.int: parseInt reads "5e7" as 5.
        index: { type: optional(env, 'IMAGE_SEARCH_INDEX_TYPE'), expectedImages: optional(env, 'IMAGE_SEARCH_EXPECTED_IMAGES', Number) },
      },
      preprocessing: { maxInputPixels: env.int('IMAGE_SEARCH_MAX_INPUT_PIXELS', 100_000_000) },
      search: {
        maxUploadBytes: env.int('IMAGE_SEARCH_MAX_UPLOAD_BYTES', 20 * 1024 * 1024),
        consistencyLevel: env('IMAGE_SEARCH_SEARCH_CONSISTENCY', 'Bounded'),
      },
      worker: {
        inProcess: env.bool('IMAGE_SEARCH_IN_PROCESS_WORKER', true),
        groupId: env('IMAGE_SEARCH_GROUP_ID', 'strapi-image-search-indexer'),
      },
    },
  },
});
