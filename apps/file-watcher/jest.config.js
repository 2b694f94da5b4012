const preset = require('../../jest.preset.js');

/**
 * chokidar 6 and file-type 22 (and file-type's tokenizer packages) ship only as ES modules.
 * Node 24 loads them from our CommonJS build (require(esm)); Jest's CommonJS runtime cannot,
 * so SWC turns these packages into CommonJS for the tests, like our own sources.
 */
const esmOnly = [
  'chokidar',
  'readdirp',
  'file-type',
  'strtok3',
  'token-types',
  '@tokenizer',
  'uint8array-extras',
  '@borewit',
];

module.exports = {
  displayName: 'file-watcher',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  transform: {
    ...preset.transform,
    [`/node_modules/(${esmOnly.join('|')})/.+\\.js$`]: [
      '@swc/jest',
      { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2023' }, module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  // *.int.spec.ts start the service in the test process against the real broker and PostgreSQL.
  globalSetup: '<rootDir>/../../libs/testing/src/global-setup.ts',
  globalTeardown: '<rootDir>/../../libs/testing/src/global-teardown.ts',
  testTimeout: 60_000,
};
