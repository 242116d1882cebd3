/** Integration tests: a real Strapi (SQLite) in-process, real Kafka, real Milvus, the real model. */
module.exports = {
  rootDir: '..',
  testMatch: ['<rootDir>/tests/integration/**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  testEnvironment: '<rootDir>/config/jest.environment.js',
  testTimeout: 180_000,
  maxWorkers: 1,
  // Repeat every failure at the end of the run, where a CI log's tail shows it.
  reporters: [['default', { summaryThreshold: 0 }]],
};
