module.exports = {
  displayName: 'email-agent',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  // *.int.spec.ts start the service in the test process against the real broker (and PostgreSQL).
  globalSetup: '<rootDir>/../../libs/testing/src/global-setup.ts',
  globalTeardown: '<rootDir>/../../libs/testing/src/global-teardown.ts',
  // A service under test takes some seconds to join its group and, at the end, to drain and leave it.
  testTimeout: 30_000,
};
