module.exports = {
  displayName: 'e2e',
  preset: '../jest.preset.js',
  rootDir: __dirname,
  globalSetup: '<rootDir>/../libs/testing/src/global-setup.ts',
  globalTeardown: '<rootDir>/../libs/testing/src/global-teardown.ts',
  // Service processes take seconds to start and drain.
  testTimeout: 120_000,
};
