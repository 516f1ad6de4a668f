// `prisma generate` without network access. The Prisma CLI insists on downloading its native
// schema engine before generating, although generation itself runs in WebAssembly; pointing
// PRISMA_SCHEMA_ENGINE_BINARY at any existing file satisfies that check (see
// ../shared/docs/environment.md). Runs from npm's postinstall, so `npm ci` leaves a usable client.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const cli = require.resolve('prisma/build/index.js');
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1',
};
const result = spawnSync(process.execPath, [cli, 'generate', ...process.argv.slice(2)], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
