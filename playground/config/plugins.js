const path = require('path');
// The plugin's own reading of KAFKA_*, MILVUS_* and IMAGE_SEARCH_* (built into dist/ before Strapi starts).
const { configFromEnv } = require('../../dist/server/src/config/env');

module.exports = ({ env }) => {
  const fromEnv = configFromEnv(process.env);
  return {
    'users-permissions': { config: { jwtSecret: env('JWT_SECRET') } },
    upload: { config: { security: { deniedTypes: ['application/x-sh', 'application/x-dosexec', 'application/x-msdownload'] } } },
    'image-search': {
      enabled: true,
      // An absolute path: a relative one is resolved from inside @strapi/core and silently loads nothing.
      resolve: path.resolve(__dirname, '..', '..'),
      // Local services unless the environment names others.
      config: {
        ...fromEnv,
        kafka: { brokers: ['127.0.0.1:9092'], ...fromEnv.kafka },
        milvus: { address: '127.0.0.1:19530', ...fromEnv.milvus },
      },
    },
  };
};
