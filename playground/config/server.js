module.exports = ({ env }) => ({
  host: env('HOST', '127.0.0.1'),
  port: env.int('PORT', 1337),
  url: env('PUBLIC_URL', ''),
  app: { keys: env.array('APP_KEYS') },
  // STRAPI_LOG_LEVEL=warn keeps request logs out of test output, so a failure is easy to find.
  logger: { updates: { enabled: false }, config: { level: env('STRAPI_LOG_LEVEL', 'http') } },
});
