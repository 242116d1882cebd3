/** Unit tests: fakes only, no services. */
module.exports = {
  rootDir: '..',
  testMatch: ['<rootDir>/tests/unit/**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  testEnvironment: '<rootDir>/config/jest.environment.js',
};
