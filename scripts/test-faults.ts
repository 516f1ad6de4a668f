// `npm run test:faults`: the fault-injection suite (tests/faults) in full; `-- --quick` runs the
// quick part (the one `npm test` runs). Other arguments go to vitest (e.g. a file name).
import { spawn } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const rest = args.filter((arg) => arg !== '--quick');

const child = spawn(
  process.execPath,
  [path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--project', 'faults', ...rest],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, FAULTS: quick ? 'quick' : 'full' },
  },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
