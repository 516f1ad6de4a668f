// The layer rules of .dependency-cruiser.cjs (run by npm run lint) refuse each wrong import they
// exist for, and let the right ones through: a small tree with one import of each kind is cruised
// with the project's own rules.
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..', '..', '..');

/** File → its text; each wrong import is the only import of its file, so a violation names one rule. */
const TREE: Record<string, string> = {
  'tsconfig.json': JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@/*': ['./*'] }, jsx: 'preserve' } }),
  'lib/server/app-context.ts': 'export const appContext = () => ({});\n',
  'lib/queries/nodes.ts':
    "import { appContext } from '@/lib/server/app-context';\nexport const read = () => appContext();\n",
  'lib/queries/nodes-view.ts': 'export const applyNodesMessage = (list: number) => list;\n',
  'lib/queries/pipeline.ts': 'export const readPipeline = () => 1;\n',
  'lib/store/index.ts': "export * from './feed/change-feed';\n",
  'lib/store/feed/change-feed.ts': "import { read } from '@/lib/queries/nodes';\nexport const feed = read;\n",
  'lib/store/providers/postgres/copy-rows.ts': 'export const copyRows = 1;\n',
  'lib/simulator/backfill.ts':
    "import { copyRows } from '../store/providers/postgres/copy-rows';\nexport const backfill = copyRows;\n",
  'lib/server/metrics.ts':
    "import { readPipeline } from '../queries/pipeline';\nexport const metrics = readPipeline;\n",
  'components/nodes/bad-row.tsx':
    "import { readPipeline } from '@/lib/queries/pipeline';\nexport const Row = readPipeline;\n",
  'components/nodes/server-type.tsx':
    "import type { appContext } from '@/lib/server/app-context';\nexport type Context = typeof appContext;\n",
  'components/nodes/good-row.tsx':
    "import { applyNodesMessage } from '@/lib/queries/nodes-view';\nimport type { readPipeline } from '@/lib/queries/pipeline';\nexport const Row = applyNodesMessage;\nexport type Read = typeof readPipeline;\n",
  'lib/live/a.ts': "import { b } from './b';\nexport const a = () => b;\n",
  'lib/live/b.ts': "import { a } from './a';\nexport const b = () => a;\n",
};

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

describe('the layer rules', () => {
  let dir: string;
  let violations: Violation[];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'boundaries-'));
    for (const [file, text] of Object.entries(TREE)) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), text);
    }
    const cli = path.join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
    const { stdout } = await run(
      process.execPath,
      [cli, 'lib', 'components', '--config', path.join(root, '.dependency-cruiser.cjs'), '--output-type', 'json'],
      { cwd: dir, maxBuffer: 16 * 1024 * 1024 },
    ).catch((error: { stdout?: string }) => {
      // Violations make the command fail; its JSON report is still on stdout.
      if (!error.stdout) throw error;
      return { stdout: error.stdout };
    });
    violations = (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations;
  }, 60_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const broken = (from: string) =>
    violations
      .filter((violation) => violation.from === from)
      .map((violation) => violation.rule.name)
      .sort();

  it('refuses a read model that fetches from the composition root', () => {
    expect(broken('lib/queries/nodes.ts')).toEqual(['core-is-framework-free']);
  });

  it("refuses the store importing the app, and anyone reaching past the store's doors", () => {
    expect(broken('lib/store/feed/change-feed.ts')).toEqual(['store-imports-no-app']);
    expect(broken('lib/simulator/backfill.ts')).toEqual(['simulator-uses-the-sdk-only', 'store-front-doors']);
  });

  it('refuses the composition root calling a read model', () => {
    expect(broken('lib/server/metrics.ts')).toEqual(['server-is-below-the-entry-points']);
  });

  it('refuses a component taking a value from a read model, or anything from the server', () => {
    expect(broken('components/nodes/bad-row.tsx')).toEqual(['browser-imports-views-only']);
    expect(broken('components/nodes/server-type.tsx')).toEqual(['browser-imports-no-server-types']);
  });

  it("lets a component use a view and a read model's types", () => {
    expect(broken('components/nodes/good-row.tsx')).toEqual([]);
  });

  it('refuses files that import each other in a loop', () => {
    expect(broken('lib/live/a.ts')).toContain('no-circular');
  });
});
