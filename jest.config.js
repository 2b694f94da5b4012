// `npm test`: every project's unit tests, the integration tests (*.int.spec.ts) and the
// end-to-end tests, in one Jest run. Projects that need real servers name the shared
// global setup (libs/testing), which starts or reuses them once per run.
module.exports = {
  projects: [
    '<rootDir>/libs/*/jest.config.js',
    '<rootDir>/apps/*/jest.config.js',
    '<rootDir>/deploy/local/jest.config.js',
    '<rootDir>/deploy/k8s/jest.config.js',
    '<rootDir>/e2e/jest.config.js',
  ],
  // A run-wide option (Jest ignores it in project configs): integration and end-to-end
  // tests wait on real servers and real service processes, bounded by their own deadlines.
  testTimeout: 120_000,
  passWithNoTests: false,
  // A test that times out never reaches its finally block, so a client it opened can keep
  // the process alive after the run and hold CI until its time limit. The run's result is
  // already decided (and written) by then: exit. Jest still prints that something was open.
  forceExit: true,
  // Jest's default on a 2-core machine is one worker, and most of a run is integration tests
  // waiting on brokers, databases and service processes: two test files at a time cut the
  // wall time by a third. Tests wait on conditions, but those waits have deadlines; the
  // router-crash and crash-recovery specs' deadlines were raised for the busier machine.
  maxWorkers: 2,
};
