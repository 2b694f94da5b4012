module.exports = {
  displayName: 'sync-agent',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  // *.int.spec.ts start the service in the test process against the real broker, MongoDB and PostgreSQL.
  globalSetup: '<rootDir>/../../libs/testing/src/global-setup.ts',
  globalTeardown: '<rootDir>/../../libs/testing/src/global-teardown.ts',
  testTimeout: 60_000,
};
