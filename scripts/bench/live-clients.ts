// The SSE clients of the live fan-out benchmark, in a process of their own (so their parsing does
// not run inside the server's event loop). Driven over IPC by live-fanout.ts:
//   {connect: {url, clients}} -> {connected}; {reset} -> {ready}; {collect} -> {result}.
// Latency of a batch = when this client parsed it minus the createdAt of the oldest change in it
// (set when the writer handed the event to insertMany, so the figure includes insert and commit).
import http from 'node:http';

import { percentiles } from './bench-database';

interface Client { request: http.ClientRequest; latencies: number[]; ready: boolean }

const clients: Client[] = [];

function open(url: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client: Client = { latencies: [], ready: false, request: undefined as never };
    let buffer = '';
    client.request = http.get(url, { agent: false, headers: { Accept: 'text/event-stream' } }, (response) => {
      if (response.statusCode !== 200) return reject(new Error(`HTTP ${response.statusCode}`));
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (!block.includes('event: nodes')) continue;
          const now = Date.now();
          const data = JSON.parse(block.slice(block.indexOf('data: ') + 6));
          if (!client.ready) {
            client.ready = true;
            resolve(client);
          }
          const sentAt = [...data.new, ...data.updated].map((view: { lastEventAt: number | null }) => view.lastEventAt ?? Infinity);
          if (data.kind === 'diff' && sentAt.length) client.latencies.push(now - Math.min(...sentAt));
        }
      });
    });
    client.request.on('error', reject);
  });
}

process.on('message', async (message: { connect?: { url: string; clients: number }; reset?: true; collect?: true }) => {
  if (message.connect) {
    // Connect in waves so the server's accept queue is not the thing measured.
    for (let i = 0; i < message.connect.clients; i += 50) {
      const wave = Array.from({ length: Math.min(50, message.connect.clients - i) }, () => open(message.connect!.url));
      clients.push(...(await Promise.all(wave)));
    }
    process.send!({ connected: clients.length });
  }
  if (message.reset) {
    for (const client of clients) client.latencies.length = 0;
    process.send!({ ready: true });
  }
  if (message.collect) {
    const all = clients.flatMap((client) => client.latencies);
    for (const client of clients) client.request.destroy();
    process.send!({ result: percentiles(all) });
    process.exit(0);
  }
});
