import { stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * True when users other than the owner can traverse every directory above `target` (and
 * `target` itself when it exists), so an unprivileged server user can reach it.
 */
export async function reachableByOthers(target: string): Promise<boolean> {
  let current = path.resolve(target);
  for (;;) {
    const info = await stat(current).catch(() => undefined);
    if (info?.isDirectory() && (info.mode & 0o001) === 0) return false;
    const parent = path.dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}
