// Shared Jest settings for every project: TypeScript through SWC (fast, no type check:
// `build`/`lint` type-check), workspace libs resolved to their sources so tests never
// need a prior build.
const path = require('node:path');

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'commonjs' } },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    '^@flowline/local-infra$': path.join(__dirname, 'deploy/local/src/index.ts'),
    '^@flowline/([a-z-]+)$': path.join(__dirname, 'libs/$1/src/index.ts'),
  },
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
