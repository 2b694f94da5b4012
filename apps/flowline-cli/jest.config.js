const preset = require('../../jest.preset.js');

module.exports = {
  displayName: 'flowline-cli',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  // commander 15 is ESM-only. Node runs it through require(esm); Jest's CommonJS runtime
  // does not, so tests compile it to CommonJS like our own sources.
  transform: {
    ...preset.transform,
    '/node_modules/commander/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2023' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!commander/)'],
  // *.int.spec.ts run commands against the real PostgreSQL (the subscriptions).
  globalSetup: '<rootDir>/../../libs/testing/src/global-setup.ts',
  globalTeardown: '<rootDir>/../../libs/testing/src/global-teardown.ts',
};
