// `npm test`: every check, in the order a failure is cheapest to find:
// type check, lint, unit + integration tests (vitest), the fault suite's quick part (vitest,
// tests/faults), browser tests (Playwright + Debian's Chromium, installed here if missing). Ends
// with one plain `N passed, N failed, N skipped` line, because CI reads that line and cannot read
// vitest's or Playwright's own summaries.
//   --no-browser   skip the browser tests (quicker local loop)
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const resultsDir = path.join(root, 'test-results');
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const withBrowser = !process.argv.includes('--no-browser');

interface Tally {
  passed: number;
  failed: number;
  skipped: number;
}
const tally: Tally = { passed: 0, failed: 0, skipped: 0 };
const lines: string[] = [];
/** The names of failed tests, repeated under the summary: CI shows only the end of the output. */
const failures: string[] = [];

function run(command: string, args: string[], env: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on('error', () => resolve(1));
  });
}

const bin = (name: string, file: string) => path.join(root, 'node_modules', name, file);

async function check(label: string, command: string, args: string[]): Promise<void> {
  console.log(`\n── ${label} ──`);
  const code = await run(command, args);
  if (code === 0) tally.passed += 1;
  else tally.failed += 1;
  lines.push(`${label}: ${code === 0 ? 'ok' : 'FAILED'}`);
}

async function ensureChromium(): Promise<boolean> {
  if (existsSync(chromium)) return true;
  if (process.getuid?.() !== 0) {
    console.error(
      `Chromium is missing at ${chromium}; install it with \`sudo apt-get install -y chromium\` (or set CHROMIUM_PATH)`,
    );
    return false;
  }
  console.log("\n── installing Debian's Chromium for the browser tests (apt-get install -y chromium) ──");
  const quiet = { DEBIAN_FRONTEND: 'noninteractive' };
  if ((await run('apt-get', ['install', '-y', '-q', 'chromium'], quiet)) !== 0) {
    await run('apt-get', ['update', '-q'], quiet);
    await run('apt-get', ['install', '-y', '-q', 'chromium'], quiet);
  }
  return existsSync(chromium);
}

/** One vitest run, reported to test-results/<reportName>.json; its counts go into the tally under `label`. */
async function vitest(label: string, reportName: string, args: string[], env: Record<string, string>): Promise<void> {
  console.log(`\n── ${label} (vitest) ──`);
  const report = path.join(resultsDir, `${reportName}.json`);
  await rm(report, { force: true });
  const code = await run(
    process.execPath,
    [
      bin('vitest', 'vitest.mjs'),
      'run',
      ...args,
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${report}`,
    ],
    env,
  );
  const json = await readFile(report, 'utf8')
    .then(JSON.parse)
    .catch(() => undefined);
  if (!json) {
    tally.failed += 1;
    lines.push(`${label}: FAILED before reporting (exit ${code})`);
    return;
  }
  const skipped = json.numPendingTests + json.numTodoTests;
  // A suite that fails to load counts as a failure even though it ran no test.
  const failed = json.numFailedTests + (code !== 0 && json.numFailedTests === 0 ? 1 : 0);
  for (const file of json.testResults ?? []) {
    const relative = path.relative(root, String(file.name));
    const failedTests = (file.assertionResults ?? []).filter((test: { status: string }) => test.status === 'failed');
    for (const test of failedTests) failures.push(`${label}: ${relative} › ${test.fullName}`);
    if (file.status === 'failed' && failedTests.length === 0)
      failures.push(`${label}: ${relative} (did not load: ${String(file.message ?? '').slice(0, 300)})`);
  }
  tally.passed += json.numPassedTests;
  tally.failed += failed;
  tally.skipped += skipped;
  lines.push(`${label}: ${json.numPassedTests} passed, ${failed} failed, ${skipped} skipped`);
}

async function playwright(): Promise<void> {
  console.log('\n── browser tests (Playwright, Chromium) ──');
  if (!(await ensureChromium())) {
    tally.failed += 1;
    lines.push('browser tests: FAILED (no Chromium)');
    return;
  }
  const report = path.join(resultsDir, 'playwright.json');
  await rm(report, { force: true });
  const code = await run(process.execPath, [bin('@playwright/test', 'cli.js'), 'test']);
  await rm(path.join(os.tmpdir(), 'sentinel-console-e2e'), { recursive: true, force: true });
  const json = await readFile(report, 'utf8')
    .then(JSON.parse)
    .catch(() => undefined);
  if (!json) {
    tally.failed += 1;
    lines.push(`browser tests: FAILED before reporting (exit ${code})`);
    return;
  }
  const { expected, unexpected, flaky, skipped } = json.stats as Record<string, number>;
  collectPlaywrightFailures(json.suites ?? [], []);
  const failed = unexpected + flaky + (code !== 0 && unexpected === 0 ? 1 : 0);
  tally.passed += expected;
  tally.failed += failed;
  tally.skipped += skipped;
  lines.push(`browser tests: ${expected} passed, ${failed} failed, ${skipped} skipped`);
}

interface PlaywrightSuite {
  title: string;
  file?: string;
  suites?: PlaywrightSuite[];
  specs?: { title: string; file: string; line: number; tests: { status: string }[] }[];
}

/** Walks Playwright's JSON report for specs whose outcome was unexpected or flaky. */
function collectPlaywrightFailures(suites: PlaywrightSuite[], titles: string[]): void {
  for (const suite of suites) {
    const inner = suite.file === suite.title ? titles : [...titles, suite.title];
    for (const spec of suite.specs ?? []) {
      const bad = spec.tests.find((test) => test.status === 'unexpected' || test.status === 'flaky');
      if (bad)
        failures.push(
          `browser tests (${bad.status}): ${spec.file}:${spec.line} › ${[...inner, spec.title].join(' › ')}`,
        );
    }
    collectPlaywrightFailures(suite.suites ?? [], inner);
  }
}

async function main(): Promise<void> {
  await mkdir(resultsDir, { recursive: true });
  await check('type check (tsc)', process.execPath, [bin('typescript', 'bin/tsc'), '--noEmit']);
  await check('lint (eslint)', process.execPath, [bin('eslint', 'bin/eslint.js'), '.', '--max-warnings', '0']);
  // The rest of npm run lint: the layer rules, nothing unused, the formatting.
  await check('layers (dependency-cruiser)', process.execPath, [
    bin('dependency-cruiser', 'bin/dependency-cruise.mjs'),
    'lib',
    'app',
    'components',
    'scripts',
    'proxy.ts',
    '--config',
    '.dependency-cruiser.cjs',
    '--output-type',
    'err',
  ]);
  await check('unused files, exports, dependencies (knip)', process.execPath, [
    bin('knip', 'bin/knip.js'),
    '--no-progress',
  ]);
  await check('formatting (prettier)', process.execPath, [
    bin('prettier', 'bin/prettier.cjs'),
    '--check',
    '--log-level',
    'warn',
    '**/*.{ts,tsx,mjs,cjs,json,css}',
  ]);
  // FAULTS set empty: the fault suite (its own project, only while FAULTS is set) runs next, once.
  await vitest('unit and integration tests', 'vitest', [], { FAULTS: '' });
  await vitest('fault suite, quick part', 'vitest-faults', ['--project', 'faults'], { FAULTS: 'quick' });
  if (withBrowser) await playwright();
  else lines.push('browser tests: not run (--no-browser)');

  console.log('\n── summary ──');
  for (const line of lines) console.log(line);
  if (failures.length > 0) {
    console.log('failed:');
    for (const failure of failures) console.log(`  ${failure}`);
  }
  console.log(`${tally.passed} passed, ${tally.failed} failed, ${tally.skipped} skipped`);
  process.exit(tally.failed === 0 ? 0 : 1);
}

void main();
