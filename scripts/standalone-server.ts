// The image's server: scripts/build-standalone.ts bundles this file to console-server.mjs at the root
// of .next/standalone, the tree the image holds (Dockerfile: CMD node console-server.mjs). It runs
// scripts/console-server.ts, the very server `npm start` runs, so a deployment keeps its rules: Next
// in-process behind lib/http/forwarded-headers.ts, X-Forwarded-* believed only from
// CONSOLE_TRUSTED_PROXIES, streams given 2 s on SIGTERM. Not the server.js `next build` writes there,
// which would believe any client's X-Forwarded-For (the build removes it).
//
// The tree has no next.config.ts: Next takes the configuration the build froze into
// .next/required-server-files.json through __NEXT_PRIVATE_STANDALONE_CONFIG, as Next's server.js
// does. One setting is read now instead: CONSOLE_ALLOWED_ORIGINS (Next's serverActions.allowedOrigins,
// which next.config.ts reads at build and start), because one image serves every installation.
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { serverActionOriginHosts } from '../next.config';

interface FrozenConfig {
  experimental?: { serverActions?: { allowedOrigins?: string[] } };
}

function frozenConfig(): FrozenConfig {
  const file = path.join(process.cwd(), '.next', 'required-server-files.json');
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { config: FrozenConfig }).config;
  } catch (error) {
    console.error(
      `[console-server] error: ${file} cannot be read (${(error as Error).message}); run this from the tree scripts/build-standalone.ts builds (.next/standalone)`,
    );
    process.exit(1);
  }
}

const config = frozenConfig();
const serverActions = { ...config.experimental?.serverActions, allowedOrigins: serverActionOriginHosts() };
config.experimental = { ...config.experimental, serverActions };
process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(config);
// The image sets NODE_ENV before any module loads (React picks its build on first load); this
// covers a tree started by hand.
(process.env as Record<string, string | undefined>).NODE_ENV ??= 'production';

await import('./console-server');
