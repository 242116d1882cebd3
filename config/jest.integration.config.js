/** Integration tests: a real Strapi (SQLite) in-process, real Kafka, real Milvus, the real model. */
module.exports = {
  rootDir: '..',
  testMatch: ['<rootDir>/tests/integration/**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  testEnvironment: '<rootDir>/config/jest.environment.js',
  testTimeout: 180_000,
  maxWorkers: 1,
  // Some runs end with a kafkajs socket to Kafka still open (a client left retrying by a stop while Kafka was down,
  // it seems), which held CI for about 2 more minutes after the last suite. The results are in by then.
  forceExit: true,
  // Repeat every failure at the end of the run, where a CI log's tail shows it.
  reporters: [['default', { summaryThreshold: 0 }]],
};
