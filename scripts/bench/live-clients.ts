// The SSE clients of the live fan-out benchmark, in a process of their own (so their parsing does
// not run inside the server's event loop). Driven over IPC by live-fanout.ts:
//   {connect: {url, clients, nodes}} -> {connected}; {reset} -> {ready};
//   {written: {first, count, at}} (no reply); {collect} -> {result}.
// Latency of a batch = when this client parsed it minus the createdAt of the oldest change in it
// (set when the writer handed the event to insertMany, so the figure includes insert and commit).
// A node's view shows only its newest event, so the oldest change comes from the writer's log
// (`written`: events first..first+count-1, on nodes index % nodes, created at `at`): for each node
// in the batch, the first event written after those this client was already shown.
import http from 'node:http';

import { percentiles, type Percentiles } from './delivery-latency';
import { addWrite, coveredChanges, type WriterLog } from './writer-log';

interface Batch {
  receivedAt: number;
  nodes: [node: number, lastEventAt: number][];
}

interface Client {
  request: http.ClientRequest;
  latencies: number[];
  /** The same batches timed as before issue 20, from the oldest of the views' newest events. */
  fromNewestEvent: number[];
  ready: boolean;
  /** Per node, how many of its logged events this client has been shown. */
  shown: Int32Array;
  /** Batches waiting for the writer's log to reach them (IPC may trail the SSE stream). */
  pending: Batch[];
}

export interface ClientsResult {
  sse: Percentiles;
  sseFromNewestEvent: Percentiles;
  /** Events written times clients, and how many of those no client had been shown at collect. */
  expected: number;
  notShown: number;
}

const clients: Client[] = [];
const log: WriterLog = { nodes: 0, times: [] };
let written = 0;

const NODE_NAME = /^live-node-(\d+)$/;

function settle(client: Client, force: boolean): void {
  while (client.pending.length > 0) {
    const batch = client.pending[0];
    if (!force && !batch.nodes.every(([node, at]) => (log.times[node]?.at(-1) ?? -Infinity) >= at)) return;
    client.pending.shift();
    const oldest = coveredChanges(log, client.shown, batch.nodes);
    if (oldest !== null) client.latencies.push(batch.receivedAt - oldest);
  }
}

function open(url: string, nodes: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client: Client = {
      latencies: [],
      fromNewestEvent: [],
      ready: false,
      request: undefined as never,
      shown: new Int32Array(nodes),
      pending: [],
    };
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
          const receivedAt = Date.now();
          const data = JSON.parse(block.slice(block.indexOf('data: ') + 6));
          if (!client.ready) {
            client.ready = true;
            resolve(client);
          }
          if (data.kind !== 'diff') continue;
          const changed: Batch['nodes'] = [];
          for (const view of [...data.new, ...data.updated] as { name: string; lastEventAt: number | null }[]) {
            const match = NODE_NAME.exec(view.name);
            if (match && view.lastEventAt !== null && Number(match[1]) < nodes)
              changed.push([Number(match[1]), view.lastEventAt]);
          }
          if (changed.length === 0) continue;
          client.fromNewestEvent.push(receivedAt - Math.min(...changed.map(([, at]) => at)));
          client.pending.push({ receivedAt, nodes: changed });
          settle(client, false);
        }
      });
    });
    client.request.on('error', reject);
  });
}

process.on(
  'message',
  async (message: {
    connect?: { url: string; clients: number; nodes: number };
    reset?: true;
    written?: { first: number; count: number; at: number };
    collect?: true;
  }) => {
    if (message.connect) {
      log.nodes = message.connect.nodes;
      // Connect in waves so the server's accept queue is not the thing measured.
      for (let i = 0; i < message.connect.clients; i += 50) {
        const wave = Array.from({ length: Math.min(50, message.connect.clients - i) }, () =>
          open(message.connect!.url, message.connect!.nodes),
        );
        clients.push(...(await Promise.all(wave)));
      }
      process.send!({ connected: clients.length });
    }
    if (message.reset) {
      for (const client of clients) {
        client.latencies.length = 0;
        client.fromNewestEvent.length = 0;
      }
      process.send!({ ready: true });
    }
    if (message.written) {
      const { first, count, at } = message.written;
      for (let index = first; index < first + count; index += 1) addWrite(log, index % log.nodes, at);
      written += count;
      for (const client of clients) if (client.pending.length > 0) settle(client, false);
    }
    if (message.collect) {
      for (const client of clients) settle(client, true);
      const shown = clients.reduce((sum, client) => sum + client.shown.reduce((a, b) => a + b, 0), 0);
      for (const client of clients) client.request.destroy();
      const result: ClientsResult = {
        sse: percentiles(clients.flatMap((client) => client.latencies)),
        sseFromNewestEvent: percentiles(clients.flatMap((client) => client.fromNewestEvent)),
        expected: written * clients.length,
        notShown: written * clients.length - shown,
      };
      process.send!({ result });
      process.exit(0);
    }
  },
);
