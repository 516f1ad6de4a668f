// A console of a spec's own: `npm start` (as one node process, like the web server of the browser
// tests) on its own port and embedded PostgreSQL, and the checks that nothing of it is left running.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import net from 'node:net';

export interface ConsoleProcess {
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output: () => string;
}

/**
 * Starts scripts/start.ts with the test runner's environment plus `env` (no DATABASE_URL: embedded;
 * PostgreSQL unless `env` says otherwise, even with a MONGODB_URI exported for the MongoDB suites).
 */
export function launchConsole(env: Record<string, string>): ConsoleProcess {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: process.cwd(),
    env: { ...process.env, DATABASE_URL: '', DATASTORE_PROVIDER: 'postgresql', ...env },
  });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  return { child, output: () => output };
}

/** Sends `signal` and waits for the exit code. */
export async function stopConsole(launched: ConsoleProcess, signal: NodeJS.Signals): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => launched.child.once('exit', resolve));
  launched.child.kill(signal);
  return exited;
}

/**
 * Kills the launcher and every process under it with SIGKILL, as a pod's end kills its container:
 * the launcher runs the dashboard's server as a child, which SIGKILL of the launcher alone would
 * leave running.
 */
export async function killConsoleTree(launched: ConsoleProcess): Promise<void> {
  const root = launched.child.pid;
  if (root === undefined) return;
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid ...: the command may hold spaces and parentheses, so read after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (Number.isInteger(ppid)) parents.set(Number(entry), ppid);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i += 1)
    for (const [pid, ppid] of parents) if (ppid === tree[i] && !tree.includes(pid)) tree.push(pid);
  const exited = new Promise((resolve) => launched.child.once('exit', resolve));
  for (const pid of tree.reverse()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  await exited;
}

/** PostgreSQL server processes whose command line names `dataDir`. */
export async function postgresServersUsing(dataDir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const command = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (command.includes(dataDir) && command.includes('postgres')) pids.push(Number(entry));
  }
  return pids;
}

export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}
