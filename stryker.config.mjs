// Mutation testing (npm run test:mutation; not part of npm test: it takes long). StrykerJS changes
// the rules people rely on one small bug at a time and runs the tests that cover each change; a
// change no test notices is a survivor. The report lands in test-results/mutation/.
//
// The machine has two cores shared with other work: one test runner at a time, and one file group
// at a time while developing: MUTATION_GROUP=node-state npm run test:mutation (groups below; the
// report is then test-results/mutation/node-state.html). Each group keeps an incremental file, so
// a second run only tests mutants whose code or covering tests changed. Tests run through
// tests/mutation/vitest.config.ts: every unit test, and only the integration suites that exercise
// the PostgreSQL feed.
const GROUPS = {
  feed: ['lib/store/feed/*.ts'],
  'postgres-feed': ['lib/store/providers/postgres/feed/*.ts'],
  'node-state': ['lib/node-state/*.ts'],
  validation: [
    'lib/actions/node-action-input.ts',
    'lib/actions/reason-text.ts',
    'lib/actions/creator-id.ts',
    'lib/auth/username.ts',
    'lib/auth/password-policy.ts',
  ],
  runner: ['lib/actions/run-mutation.ts'],
};
const group = process.env.MUTATION_GROUP ?? 'all';
if (group !== 'all' && !Object.hasOwn(GROUPS, group))
  throw new Error(`MUTATION_GROUP must be one of ${Object.keys(GROUPS).join(', ')} or all, not "${group}"`);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
const config = {
  packageManager: 'npm',
  testRunner: 'vitest',
  vitest: { configFile: 'tests/mutation/vitest.config.ts', related: true },
  checkers: ['typescript'],
  // The library and its unit tests, not the whole app: each mutant is compiled, so a smaller program is
  // faster (the PostgreSQL feed's group: the store alone; tests/mutation/vitest.config.ts narrows its tests too).
  tsconfigFile: group === 'postgres-feed' ? 'tests/mutation/tsconfig.store.json' : 'tests/mutation/tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: 'perTest',
  concurrency: 1,
  // Static mutants (module-level values: the zod schemas and patterns of input validation) run
  // every related test; they are the rules themselves here, so they count.
  ignoreStatic: false,
  // A mutant that hangs (an endless retry loop) fails fast: the slowest test waits 5 s for a state.
  timeoutMS: 5_000,
  mutate: group === 'all' ? Object.values(GROUPS).flat() : GROUPS[group],
  ignorePatterns: [
    '.next',
    '.data',
    '.ci',
    '.scratch',
    'test-results',
    'playwright-report',
    'bench-results',
    'tsconfig.tsbuildinfo',
  ],
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
  incremental: true,
  incrementalFile: `test-results/mutation/${group}.incremental.json`,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `test-results/mutation/${group}.html` },
  jsonReporter: { fileName: `test-results/mutation/${group}.json` },
  thresholds: { high: 90, low: 80, break: null },
};
export default config;
