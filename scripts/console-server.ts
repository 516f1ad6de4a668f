// The console's HTTP server: Next.js, in this process, behind one step that settles what the app
// may believe about the client (lib/http/forwarded-headers.ts) before Next or any route sees the
// request. `npm start` runs it; to serve a built app without the launcher:
//   node --import tsx scripts/console-server.ts --port 3000
// (`next start` would serve the same app but believe any client's X-Forwarded-For.)
import http from 'node:http';

import next from 'next';

import { settleForwardedHeaders } from '../lib/http/forwarded-headers';
import { trustedProxiesFromEnv } from '../lib/security/trusted-proxies';

const dev = process.argv.includes('--dev');
const portArg = process.argv.indexOf('--port');
const port = Number(portArg >= 0 ? process.argv[portArg + 1] : (process.env.PORT ?? 3000));
/** How long open streams (the live SSE feed) may take to end after SIGTERM before they are cut. */
const SHUTDOWN_GRACE_MS = 2_000;

function fail(message: string): never {
  console.error(`[console-server] error: ${message}`);
  process.exit(1);
}

async function main(): Promise<void> {
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    fail(
      `--port (or PORT) must be a port number from 1 to 65535, not "${process.argv[portArg + 1] ?? process.env.PORT}"`,
    );
  let proxies;
  try {
    proxies = trustedProxiesFromEnv();
  } catch (error) {
    fail((error as Error).message);
  }
  const app = next({ dev, dir: process.cwd(), hostname: 'localhost', port });
  const handle = app.getRequestHandler();
  await app.prepare();

  const server = http.createServer((request, response) => {
    settleForwardedHeaders(request.headers, request.socket.remoteAddress, proxies);
    handle(request, response).catch((error: unknown) => {
      console.error(`[console-server] ${request.method} ${request.url}: ${(error as Error).stack ?? String(error)}`);
      if (!response.headersSent)
        response.writeHead(500, { 'Content-Type': 'application/json' }).end('{"error":"internal error"}');
      else response.destroy();
    });
  });
  if (dev) {
    const upgrade = app.getUpgradeHandler();
    server.on('upgrade', (request, socket, head) => {
      settleForwardedHeaders(request.headers, request.socket.remoteAddress, proxies);
      void upgrade(request, socket, head);
    });
  }
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, () => resolve()));
  console.log(
    `[console-server] ready on http://localhost:${port} (${dev ? 'development' : 'production'}); forwarding headers believed from: ${proxies.description} (CONSOLE_TRUSTED_PROXIES)`,
  );

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.close();
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
    void app.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => fail((error as Error).stack ?? String(error)));
