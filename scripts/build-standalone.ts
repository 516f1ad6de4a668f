// The deployable server: `next build` with output 'standalone', made into the one tree the image
// holds (Dockerfile: it copies .next/standalone to /app and runs `node console-server.mjs` there).
// From the checkout's root (it replaces .next, so `npm start` builds again after it):
//   node --import tsx scripts/build-standalone.ts
// 1. `next build` with CONSOLE_BUILD_OUTPUT=standalone (next.config.ts): .next/standalone gets the
//    server code and the part of node_modules Next traced; .next/static and public are copied in,
//    since Next leaves them out of it (for a CDN).
// 2. The tree keeps only what runs. Next's trace also takes in the checkout's sources (two file
//    reads whose paths it cannot scope, in lib/auth/password-policy.ts and the MongoDB certificate
//    reader: see the warnings of `next build`); they go, and so does Next's server.js, which would
//    believe any client's X-Forwarded-For. The files the code reads by path at run time are copied
//    to their checkout paths (RUNTIME_FILES), under the entries' working directory, the tree's root.
// 3. The two entries, bundled with esbuild: console-server.mjs (scripts/standalone-server.ts, which
//    runs scripts/console-server.ts, the server of `npm start`) and console-prepare.mjs
//    (scripts/console-prepare.ts, the image's init step). Next and the packages its server chunks
//    load from the tree's node_modules are used from there; the rest is bundled in.
// 4. Checked: every file above is there, and no link leads out of the tree.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const tree = path.join(root, '.next', 'standalone');
const log = (line: string) => console.log(`[build-standalone] ${line}`);

/** Files the code reads by path at run time, each found from the working directory (the tree's root). */
const RUNTIME_FILES = [
  // lib/store/providers/postgres/schema/migration-runner.ts: the server's health probe compares the
  // console database with them; the prepare step applies them.
  'prisma/migrations',
  // lib/auth/password-policy.ts: every new password is checked against them (server and prepare step).
  'lib/auth/common-passwords.txt',
  'lib/auth/common-passwords-long.txt',
  'lib/auth/common-passwords.LICENSE',
  // lib/store/providers/postgres/schema/nvsentinel-schema.ts: the prepare step creates NVSentinel's
  // schema in an empty database (and a DBA's opt-in sits beside it).
  'lib/store/providers/postgres/schema/nvsentinel',
  'lib/store/providers/postgres/schema/opt-in',
];

/** The tree's entries (run from its root) and their sources. */
const ENTRIES: Record<string, string> = {
  'console-server.mjs': 'scripts/standalone-server.ts',
  'console-prepare.mjs': 'scripts/console-prepare.ts',
};

/** What the tree keeps of what Next put at its root. */
const NEXT_OUTPUT_KEPT = new Set(['.next', 'node_modules', 'package.json']);

/** Files of Next's own the server cannot do without (the proxy's action gate reads the manifest; it is off without it). */
const NEXT_FILES = [
  '.next/BUILD_ID',
  '.next/required-server-files.json',
  '.next/server/server-reference-manifest.json',
];

function fail(message: string): never {
  console.error(`[build-standalone] error: ${message}`);
  process.exit(1);
}

async function nextBuild(): Promise<void> {
  log('next build (output: standalone)…');
  const child = spawn(process.execPath, [path.join(root, 'node_modules', 'next', 'dist', 'bin', 'next'), 'build'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, CONSOLE_BUILD_OUTPUT: 'standalone', NEXT_TELEMETRY_DISABLED: '1' },
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) fail(`next build failed (exit ${code}); see its output above`);
  if (!existsSync(tree))
    fail(`next build wrote no ${path.relative(root, tree)} (is output: 'standalone' in next.config.ts?)`);
}

async function keepOnlyWhatRuns(): Promise<void> {
  for (const entry of await readdir(tree)) {
    if (!NEXT_OUTPUT_KEPT.has(entry)) await rm(path.join(tree, entry), { recursive: true, force: true });
  }
  await cp(path.join(root, '.next', 'static'), path.join(tree, '.next', 'static'), { recursive: true });
  if (existsSync(path.join(root, 'public')))
    await cp(path.join(root, 'public'), path.join(tree, 'public'), { recursive: true });
  for (const file of RUNTIME_FILES) {
    await cp(path.join(root, file), path.join(tree, file), { recursive: true });
  }
  // Next's cache of rendered data: the one folder the server writes (an emptyDir in Kubernetes).
  await mkdir(path.join(tree, '.next', 'cache'), { recursive: true });
}

/**
 * The packages Next's server chunks load from node_modules (its links in .next/node_modules, named
 * `<package>-<hash>`), and Next itself: the entries load them from the tree too, so one copy serves
 * both. Everything else the entries import is bundled from the checkout, with the versions its
 * node_modules resolves (a package the tree carries for Next may be another version).
 */
async function treePackages(): Promise<string[]> {
  const links = path.join(tree, '.next', 'node_modules');
  const names = ['next'];
  for (const entry of await readdir(links)) {
    const scoped = entry.startsWith('@')
      ? (await readdir(path.join(links, entry))).map((name) => `${entry}/${name}`)
      : [entry];
    names.push(...scoped.map((name) => name.replace(/-[0-9a-f]{16}$/, '')));
  }
  return names;
}

/** What this script uses of esbuild's API. */
interface Esbuild {
  build(options: Record<string, unknown>): Promise<{ warnings: { text: string }[] }>;
}
interface LoadArgs {
  path: string;
}

async function bundleEntries(): Promise<void> {
  // esbuild comes with tsx, a dependency (npm start runs on it): resolved through tsx, not declared twice.
  const require = createRequire(import.meta.url);
  const esbuild = createRequire(require.resolve('tsx/package.json'))('esbuild') as Esbuild;
  const packages = await treePackages();
  // A bundled module of the checkout finds its files from the working directory, at their checkout
  // paths (RUNTIME_FILES), not beside the bundle: import.meta.dirname becomes that folder.
  const checkoutDirname = {
    name: 'checkout-dirname',
    setup(build: { onLoad(filter: { filter: RegExp }, load: (args: LoadArgs) => Promise<unknown>): void }) {
      build.onLoad({ filter: /\.tsx?$/ }, async (args) => {
        const relative = path.relative(root, args.path);
        if (relative.startsWith('..') || relative.split(path.sep).includes('node_modules')) return undefined;
        const source = await readFile(args.path, 'utf8');
        if (!source.includes('import.meta.dirname')) return undefined;
        const folder = JSON.stringify(`/${path.dirname(relative).split(path.sep).join('/')}`);
        return { contents: source.replaceAll('import.meta.dirname', `(process.cwd() + ${folder})`), loader: 'ts' };
      });
    },
  };
  for (const [output, source] of Object.entries(ENTRIES)) {
    const result = await esbuild.build({
      entryPoints: [path.join(root, source)],
      outfile: path.join(tree, output),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      tsconfig: path.join(root, 'tsconfig.json'),
      external: packages.flatMap((name) => [name, `${name}/*`]),
      plugins: [checkoutDirname],
      logLevel: 'warning',
      banner: {
        js: [
          `// ${output}: ${source}, bundled by scripts/build-standalone.ts. Run from anywhere: it works in its own folder.`,
          "import { createRequire as __createRequire } from 'node:module';",
          "import { fileURLToPath as __fileURLToPath } from 'node:url';",
          'const require = __createRequire(import.meta.url);',
          "process.chdir(__fileURLToPath(new URL('.', import.meta.url)));",
        ].join('\n'),
      },
    });
    for (const warning of result.warnings) log(`esbuild: ${warning.text}`);
  }
}

/** Paths under `dir` that are symlinks leading outside `top`. */
async function linksOutOf(top: string, dir = top): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isSymbolicLink()) {
      const target = path.resolve(dir, await readlink(full));
      if (path.relative(top, target).startsWith('..')) found.push(`${path.relative(top, full)} -> ${target}`);
    } else if (entry.isDirectory()) found.push(...(await linksOutOf(top, full)));
  }
  return found;
}

async function check(): Promise<void> {
  const required = [...Object.keys(ENTRIES), ...RUNTIME_FILES, ...NEXT_FILES, '.next/static'];
  const missing = required.filter((file) => !existsSync(path.join(tree, file)));
  if (missing.length) fail(`the tree lacks ${missing.join(', ')}`);
  const escaping = await linksOutOf(tree);
  if (escaping.length) fail(`links leading out of the tree: ${escaping.slice(0, 5).join(', ')}`);
}

async function main(): Promise<void> {
  await nextBuild();
  await keepOnlyWhatRuns();
  await bundleEntries();
  await check();
  log(
    `${path.relative(root, tree)}: the image's tree; run it with \`node console-prepare.mjs\`, then \`node console-server.mjs\``,
  );
}

main().catch((error: unknown) => fail((error as Error).stack ?? String(error)));
