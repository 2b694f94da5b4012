const preset = require('../../jest.preset.js');
const { documentsJest } = require('../../libs/documents/jest.esm-packages.js');

module.exports = {
  displayName: 'document-agent',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  // unpdf and PDF.js are ES modules: transformed for Jest (libs/documents/jest.esm-packages.js).
  ...documentsJest(preset),
  // *.int.spec.ts start the service in the test process against the real broker.
  globalSetup: '<rootDir>/../../libs/testing/src/global-setup.ts',
  globalTeardown: '<rootDir>/../../libs/testing/src/global-teardown.ts',
  testTimeout: 60_000,
};
