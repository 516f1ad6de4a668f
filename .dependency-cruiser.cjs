// The layers of the code, as rules `npm run lint` keeps (dependency-cruiser resolves every import,
// `@/` aliases and relative paths alike, so a rule names real files). README "Architecture" draws
// them; tests/unit/lint/boundaries.test.ts shows each rule refusing a wrong import.
//
//   browser  components/, app/**/client.tsx, lib/client/: views, live messages, node state,
//            formatting, the action entry points, roles, the SDK's model door; types from anywhere
//   entry    app/ pages and routes, lib/actions/server-actions.ts and mutation-route.ts, instrumentation.ts
//            (the server's boot)
//   server   lib/server/: the composition root (holders, the app context, route guards)
//   core     lib/actions, lib/queries, lib/probes, lib/metrics, lib/live, lib/node-state, lib/cluster, ...:
//            framework-free, handed an app context
//   SDK      lib/store (three doors: index.ts, postgres.ts, model.ts), lib/simulator (a client of
//            the SDK only), lib/embedded-database
const BROWSER =
  '^(components/|lib/client/|app/.+/client\\.tsx$|app/\\(console\\)/app-providers\\.tsx$|app/sign-in/sign-in-form\\.tsx$)';
const ENTRY_POINTS = '^lib/actions/(server-actions|mutation-route)\\.ts$';
const CORE =
  '^lib/(actions|audit|auth|cluster|console-database|context|format|http|live|metrics|node-state|nvsentinel|probes|queries|security)/';
const STORE_DOORS = '^lib/store/(index|postgres|model)\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'store-front-doors',
      comment:
        'Outside lib/store, the SDK is reached through its doors only: lib/store (the API), lib/store/postgres (PostgreSQL tools), lib/store/model (pure model, browser-safe).',
      severity: 'error',
      // One exception: the consumer-lag benchmark's baseline is the SDK's previous lag read, rebuilt
      // from the PostgreSQL feed's own parts so both sides are measured in the same run.
      from: { pathNot: '^(lib/store/|scripts/bench/consumer-lag\\.ts$)' },
      to: { path: '^lib/store/', pathNot: STORE_DOORS },
    },
    {
      name: 'store-imports-no-app',
      comment: 'The store SDK is framework-free and knows nothing of the console.',
      severity: 'error',
      from: { path: '^lib/store/' },
      to: {
        path: '^(lib/(?!store/)|app/|components/|scripts/|(proxy|instrumentation)\\.ts$|node_modules/(next|server-only|react)/)',
      },
    },
    {
      name: 'simulator-uses-the-sdk-only',
      comment:
        "The simulated twin is a client of the store SDK, through its doors, and of NVSentinel's vocabulary (lib/nvsentinel), and of nothing else in the app.",
      severity: 'error',
      from: { path: '^lib/simulator/' },
      to: {
        path: '^(lib/|app/|components/|scripts/|node_modules/(next|server-only|react)/)',
        pathNot: `^lib/simulator/|^lib/nvsentinel/|${STORE_DOORS}`,
      },
    },
    {
      name: 'browser-imports-views-only',
      comment:
        'Code the browser loads takes values only from views (lib/queries/*-view.ts), live messages, node state, formatting, browser helpers, the action entry points, roles and the SDK model door; types may come from anywhere but the server.',
      severity: 'error',
      from: { path: BROWSER },
      to: {
        path: '^(lib/|(proxy|instrumentation)\\.ts$|node_modules/(server-only|pg|mongodb)/)',
        pathNot:
          '^lib/(queries/[a-z-]+-view\\.ts|live/live-messages\\.ts|node-state/|format/|client/|actions/server-actions\\.ts|auth/roles\\.ts|store/model\\.ts)',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'browser-imports-no-server-types',
      comment: 'Nothing of the composition root reaches the browser, not even a type.',
      severity: 'error',
      from: { path: BROWSER },
      to: { path: '^lib/server/' },
    },
    {
      name: 'core-is-framework-free',
      comment:
        'Read models, actions, probes and the rest receive an app context; only the composition root (lib/server), pages, routes and the action entry points are bound to Next.js.',
      severity: 'error',
      from: { path: CORE, pathNot: ENTRY_POINTS },
      to: { path: '^(lib/server/|node_modules/(next|server-only)/)' },
    },
    {
      name: 'server-is-below-the-entry-points',
      comment:
        'The composition root builds the context; read models and actions are called by pages, routes and the action entry points, never by lib/server.',
      severity: 'error',
      from: { path: '^lib/server/' },
      to: { path: '^lib/(actions|queries)/' },
    },
    {
      name: 'nvsentinel-vocabulary-stands-alone',
      comment:
        'lib/nvsentinel holds the names NVSentinel writes (labels, annotations, objects): the simulator and the app share it, so it imports neither.',
      severity: 'error',
      from: { path: '^lib/nvsentinel/' },
      to: { path: '^(lib/(?!nvsentinel/)|app/|components/)' },
    },
    {
      name: 'no-circular',
      comment: 'Files that import each other in a loop hide which one comes first.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(\\.next|lib/generated|node_modules|tests|test-results|\\.stryker-tmp)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
