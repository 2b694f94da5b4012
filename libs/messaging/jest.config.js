module.exports = {
  displayName: 'messaging',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  globalSetup: '<rootDir>/../testing/src/global-setup.ts',
  globalTeardown: '<rootDir>/../testing/src/global-teardown.ts',
  testTimeout: 180_000,
};
