module.exports = {
  displayName: 'notifier',
  preset: '../../jest.preset.js',
  rootDir: __dirname,
  // *.int.spec.ts start the service in the test process against the real broker and RabbitMQ.
  globalSetup: '<rootDir>/../../libs/testing/src/global-setup.ts',
  globalTeardown: '<rootDir>/../../libs/testing/src/global-teardown.ts',
  // An outage test waits through reconnection and retries.
  testTimeout: 60_000,
};
