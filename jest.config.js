// Test tiers by file suffix (see README "Tests"):
//   *.unit.test.ts      pure logic, no servers
//   *.workflow.test.ts  sagas on @temporalio/testing's time-skipping server, activities mocked
//   *.int.test.ts       adapters against real Temporal, Kafka and MongoDB-wire servers
//   *.e2e.test.ts       the whole system on the local stack
//   *.secure.test.ts    the local stack's secure profile: refusals, and an order end to end
//   *.chaos.test.ts     faults injected into a private stack (CHAOS_SCALE=small|full)
//   *.contract.test.ts  schemathesis against the API in-process over fakes (no servers)
const swc = [
  '@swc/jest',
  { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
];
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': swc },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // Every test asserts something (expect.hasAssertions before each).
  setupFilesAfterEnv: ['<rootDir>/test/setup/has-assertions.ts'],
  // The saga's workflow bundle, built once per run (test/setup/prebuilt-workflow-bundle.ts).
  moduleNameMapper: {
    '^(\\.\\./)+workers/workflow-bundle$': '<rootDir>/test/setup/prebuilt-workflow-bundle.ts',
  },
};

/** @type {import('jest').Config} */
module.exports = {
  // The native Temporal bridge keeps handles open briefly after shutdown.
  forceExit: false,
  // Four test files at a time, the longest tiers first (test/setup/long-files-first.js): one of
  // the long files (support-flow) spends minutes waiting out retries, which leaves a core idle
  // with three. Private stacks take turns starting their servers and choose ports outside the
  // ephemeral range (stack/README.md): before they did, a stack started beside others failed
  // now and then.
  maxWorkers: 4,
  testSequencer: '<rootDir>/test/setup/long-files-first.js',
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/**/*.unit.test.ts'] },
    {
      ...common,
      displayName: 'workflow',
      testMatch: ['<rootDir>/test/**/*.workflow.test.ts'],
      globalSetup: '<rootDir>/test/setup/provision-binaries.ts',
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.int.test.ts', '<rootDir>/test/**/*.e2e.test.ts'],
      globalSetup: '<rootDir>/test/setup/start-stack.ts',
      globalTeardown: '<rootDir>/test/setup/stop-stack.ts',
    },
    // Schemathesis (from PyPI, cached outside the clone) against the OpenAPI document.
    {
      ...common,
      displayName: 'contract',
      testMatch: ['<rootDir>/test/**/*.contract.test.ts'],
    },
    // The secure profile (stack/README.md): its own private stack, TLS and a user per process.
    { ...common, displayName: 'secure', testMatch: ['<rootDir>/test/**/*.secure.test.ts'] },
    // Chaos tests start, kill and restart their own private stack (test/chaos/README.md).
    { ...common, displayName: 'chaos', testMatch: ['<rootDir>/test/chaos/**/*.chaos.test.ts'] },
  ],
};
