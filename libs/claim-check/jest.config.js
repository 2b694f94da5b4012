module.exports = {
  displayName: 'claim-check',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  // The PostgreSQL store's *.int.spec.ts runs against the real server.
  globalSetup: '<rootDir>/../../libs/testing/src/global-setup.ts',
  globalTeardown: '<rootDir>/../../libs/testing/src/global-teardown.ts',
};
