// Prisma CLI configuration. The CLI is used here only for `prisma generate` (offline; see
// scripts/prisma-generate.ts). Migrations are applied by our own runner
// (lib/store/providers/postgres/migrations/), which records them in `_prisma_migrations`
// exactly as `prisma migrate deploy` does, so both agree where Prisma's native engine exists.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/nvsentinel' },
});
