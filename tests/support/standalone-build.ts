// The image's build stage, done here as the Dockerfile does it (Docker cannot run here), in a copy
// of the checkout under the system's temp folder, never in the checkout itself (its .next belongs to
// `npm start` and the browser tests, which may be building it right now):
//   - the build context: the checkout less what .dockerignore leaves out;
//   - the stage's `npm install`: node_modules as hard links to the checkout's (the same locked
//     versions), then the package's postinstall (the Prisma client, as npm install runs it);
//   - the stage's build command, as its RUN line says.
// A build is kept under a hash of its inputs and reused while they are unchanged.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Where builds are kept between runs. */
const CACHE = path.join(os.tmpdir(), 'sentinel-console-standalone');

/** .dockerignore's patterns as Docker reads them here: names from the root, `*` within a name, `**\/`. */
function dockerIgnore(checkout: string): (relative: string) => boolean {
  const patterns = readFileSync(path.join(checkout, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const negated = patterns.find((pattern) => pattern.startsWith('!'));
  if (negated) throw new Error(`.dockerignore: the test's copy does not follow exceptions (${negated})`);
  const expressions = patterns.map((pattern) => {
    const source = pattern
      .replace(/^\/+/, '')
      .split(/(\*\*\/|\*|\?)/)
      .map((part) =>
        part === '**/'
          ? '(?:.*/)?'
          : part === '*'
            ? '[^/]*'
            : part === '?'
              ? '[^/]'
              : part.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
      )
      .join('');
    return new RegExp(`^${source}$`);
  });
  // A path is left out when it, or a folder it is in, matches.
  return (relative) => {
    const parts = relative.split('/');
    return parts.some((_, index) => {
      const prefix = parts.slice(0, index + 1).join('/');
      return expressions.some((expression) => expression.test(prefix));
    });
  };
}

/** The build context's files, relative to the checkout, sorted. */
async function contextFiles(checkout: string): Promise<string[]> {
  const ignored = dockerIgnore(checkout);
  const files: string[] = [];
  const visit = async (relative: string): Promise<void> => {
    for (const entry of await readdir(path.join(checkout, relative), { withFileTypes: true })) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (ignored(child)) continue;
      if (entry.isDirectory()) await visit(child);
      else if (entry.isFile()) files.push(child);
    }
  };
  await visit('');
  return files.sort();
}

function run(command: string, args: string[], cwd: string, logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    void open(logFile, 'a').then((log) => {
      const child = spawn(command, args, {
        cwd,
        // What a build stage has: no settings of this machine (a DATABASE_URL, CONSOLE_ALLOWED_ORIGINS).
        // Next's types insist every environment has NODE_ENV; a build stage has none.
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          NEXT_TELEMETRY_DISABLED: '1',
        } as unknown as NodeJS.ProcessEnv,
        stdio: ['ignore', log.fd, log.fd],
      });
      child.on('error', reject);
      child.on('exit', (code) => {
        void log.close();
        if (code === 0) resolve();
        else {
          const tail = readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n');
          reject(new Error(`${[command, ...args].join(' ')} failed (exit ${code}) in ${cwd}:\n${tail}`));
        }
      });
    }, reject);
  });
}

export interface StandaloneBuild {
  /** The build stage's working directory after its last step (what the image's stage copies from). */
  dir: string;
  /** The build context as copied (relative paths). */
  context: string[];
  reused: boolean;
}

/** Whether a process is running (a lock's holder). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs `work` holding the lock on the build folder (one build at a time; a dead holder's lock is taken over). */
async function withBuildLock<T>(work: () => Promise<T>): Promise<T> {
  const lock = path.join(CACHE, 'work.lock');
  for (;;) {
    try {
      await writeFile(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch {
      const holder = Number(await readFile(lock, 'utf8').catch(() => '0'));
      if (holder && !alive(holder)) await rm(lock, { force: true });
      else await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  }
  try {
    return await work();
  } finally {
    await rm(lock, { force: true });
  }
}

/**
 * The build stage's result for the checkout as it is now: kept from an earlier run when nothing it
 * reads has changed. `buildCommand` is the stage's last RUN (split into words). Builds run in one
 * folder, always the same: Next's cache there names its absolute paths, and a build that finds it
 * compiles in about a minute instead of several.
 */
export async function standaloneBuild(checkout: string, buildCommand: string[]): Promise<StandaloneBuild> {
  const context = await contextFiles(checkout);
  const hash = createHash('sha256').update(JSON.stringify(buildCommand));
  for (const file of context) hash.update(`${file}\n`).update(await readFile(path.join(checkout, file)));
  // The installed packages stand for the image's npm install.
  hash.update(await readFile(path.join(checkout, 'node_modules', '.package-lock.json')));
  const name = `build-${hash.digest('hex').slice(0, 16)}`;
  const dir = path.join(CACHE, name);
  const done = () => existsSync(path.join(dir, 'build.log'));
  if (done()) return { dir, context, reused: true };

  await mkdir(CACHE, { recursive: true });
  return withBuildLock(async () => {
    // Another run may have made it while this one waited.
    if (done()) return { dir, context, reused: true };
    const work = path.join(CACHE, 'work');
    const logFile = path.join(CACHE, 'work.log');
    await rm(logFile, { force: true });
    // The stage starts from the context alone; only Next's cache stays.
    await mkdir(path.join(work, '.next'), { recursive: true });
    for (const entry of await readdir(work))
      if (entry !== '.next') await rm(path.join(work, entry), { recursive: true });
    for (const entry of await readdir(path.join(work, '.next')))
      if (entry !== 'cache') await rm(path.join(work, '.next', entry), { recursive: true });
    for (const file of context) {
      await mkdir(path.dirname(path.join(work, file)), { recursive: true });
      await copyFile(path.join(checkout, file), path.join(work, file));
    }
    try {
      await run('cp', ['-al', path.join(checkout, 'node_modules'), path.join(work, 'node_modules')], work, logFile);
      // Tools' caches there are rewritten in place, which a hard link would carry back to the checkout.
      await rm(path.join(work, 'node_modules', '.cache'), { recursive: true, force: true });
      await run('npm', ['run', 'postinstall', '--silent'], work, logFile);
      const [command, ...args] = buildCommand;
      await run(command === 'node' ? process.execPath : command, args, work, logFile);
    } finally {
      // The links to the checkout's packages go: nothing may write through them later.
      await rm(path.join(work, 'node_modules'), { recursive: true, force: true });
    }
    // Kept: the stage's output where the image's stage finds it, and the log (which marks it done).
    for (const entry of await readdir(CACHE))
      if (/^build-[0-9a-f]{16}$/.test(entry)) await rm(path.join(CACHE, entry), { recursive: true, force: true });
    await mkdir(path.join(dir, '.next'), { recursive: true });
    await rename(path.join(work, '.next', 'standalone'), path.join(dir, '.next', 'standalone'));
    await rename(logFile, path.join(dir, 'build.log'));
    return { dir, context, reused: false };
  });
}
