// The live hub behind a plain node:http server, the way app/api/live serves it (topics and filter
// in the query string, Last-Event-ID, 400 for an unknown topic, 503 while the hub cannot start),
// without Next.js: for benchmarks and fault tests that need real HTTP clients on loopback.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';

import type { LiveHub } from './live-hub';
import { LiveRequestError, parseLiveRequest } from './live-request';

export interface LiveHttpServer {
  /** Base URL of the stream, e.g. http://127.0.0.1:41234/live (add ?topics=…). */
  url: string;
  server: http.Server;
  /** Stops accepting, ends every open stream, and resolves once the server is closed. */
  close(): Promise<void>;
}

export function serveLiveHub(hub: LiveHub, options: { maxConnections?: number } = {}): Promise<LiveHttpServer> {
  const server = http.createServer((request, response) => {
    const lastEventId = request.headers['last-event-id'];
    let live;
    try {
      live = parseLiveRequest(
        new URL(request.url ?? '/', 'http://live'),
        typeof lastEventId === 'string' ? lastEventId : null,
      );
    } catch (error) {
      const status = error instanceof LiveRequestError ? 400 : 500;
      response
        .writeHead(status, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ error: (error as Error).message }));
      return;
    }
    hub.connect(live).then(
      (connection) => {
        // The response closes when the client goes away (or the stream ends): drop the client at once.
        response.on('close', () => connection.close());
        response.writeHead(200, {
          'Content-Type': 'text/event-stream; charset=utf-8',
          'Cache-Control': 'no-cache, no-transform',
        });
        Readable.fromWeb(connection.stream as never).pipe(response);
      },
      (error: Error) => {
        response
          .writeHead(503, { 'Content-Type': 'application/json', 'Retry-After': '2' })
          .end(JSON.stringify({ error: `live updates are unavailable: ${error.message}` }));
      },
    );
  });
  server.maxConnections = options.maxConnections ?? 10_000;
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}/live`,
        server,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    }),
  );
}
