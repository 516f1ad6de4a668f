// A small HTTP control for a running simulator, on 127.0.0.1 only and only when asked for
// (SIMULATOR_CONTROL_PORT): pause and resume a pipeline consumer, change slowness and failure
// rates, inject a poison event, fail many nodes at once. Browser tests use it to make lag, stalls,
// dead letters and a tripped circuit breaker appear.
//   GET  /status     events written, nodes and healthy nodes, the breaker (tripped, limit), consumers
//   POST /consumers/<fault-quarantine|node-drainer|fault-remediation>/pause | /resume
//   POST /settings   {"drainMs": 2000, "failPoison": false, ...}
//   POST /poison
//   POST /faults     {"nodes": 36} or {"share": 75}: a fatal XID 79 on that many distinct healthy nodes
//                    (share: percent of all the simulated nodes, rounded up), written at once as the
//                    monitors write events, so the simulated fault-quarantine quarantines them and, at
//                    its limit, trips the breaker as NVSentinel's would. Answers the nodes and record
//                    ids; 400 for a bad body (naming what is wrong), 409 when fewer nodes are healthy.
//                    Two at once are served one after the other, and a node whose injected fault
//                    fault-quarantine has not handled yet is not healthy (ClusterSimulator.injectFatalFaults),
//                    so they never fail the same node twice.
//   POST /nodes/<name>/mute | /unmute   the node's monitors report nothing until unmuted (no fault,
//                    recovery or injected fault), so a test acting on it by hand is not raced by the
//                    simulated cluster; 404 for a node outside the cluster, 409 for the last one reporting.
import http from 'node:http';

import {
  FaultInjectionRefused,
  PIPELINE_CONSUMERS,
  type ClusterSimulator,
  type PipelineConsumer,
} from './cluster-simulator';
import { pipelineSettingsPatch } from './pipeline/pipeline-settings';

const MAX_BODY = 16 * 1024;

class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readJson(request: http.IncomingMessage): Promise<unknown> {
  let body = '';
  for await (const chunk of request) {
    body += chunk;
    if (body.length > MAX_BODY) throw new ControlError(413, `body over ${MAX_BODY} bytes`);
  }
  try {
    return JSON.parse(body || '{}');
  } catch {
    throw new ControlError(400, 'body must be JSON');
  }
}

async function handle(simulator: ClusterSimulator, request: http.IncomingMessage): Promise<unknown> {
  const url = new URL(request.url ?? '/', 'http://control');
  const parts = url.pathname.split('/').filter(Boolean);
  if (request.method === 'GET' && url.pathname === '/status') return simulator.status();
  if (request.method !== 'POST') throw new ControlError(405, 'use GET /status or POST');
  if (parts[0] === 'consumers' && parts.length === 3) {
    const name = parts[1] as PipelineConsumer;
    if (!PIPELINE_CONSUMERS.includes(name))
      throw new ControlError(404, `unknown consumer "${parts[1]}" (${PIPELINE_CONSUMERS.join(', ')})`);
    if (parts[2] === 'pause') await simulator.pause(name);
    else if (parts[2] === 'resume') await simulator.resume(name);
    else throw new ControlError(404, `unknown consumer action "${parts[2]}" (pause, resume)`);
    return simulator.status();
  }
  if (url.pathname === '/settings') {
    const parsed = pipelineSettingsPatch.safeParse(await readJson(request));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ControlError(
        400,
        issue.code === 'unrecognized_keys'
          ? `unknown setting ${issue.keys.join(', ')}`
          : `${issue.path.join('.') || 'settings'}: ${issue.message}`,
      );
    }
    return simulator.updateSettings(parsed.data);
  }
  if (parts[0] === 'nodes' && parts.length === 3) {
    const node = decodeURIComponent(parts[1]);
    if (!simulator.generator.nodeNames.includes(node)) throw new ControlError(404, `no simulated node "${node}"`);
    try {
      if (parts[2] === 'mute') simulator.generator.mute(node);
      else if (parts[2] === 'unmute') simulator.generator.unmute(node);
      else throw new ControlError(404, `unknown node action "${parts[2]}" (mute, unmute)`);
    } catch (error) {
      if (error instanceof RangeError) throw new ControlError(409, error.message);
      throw error;
    }
    return simulator.status();
  }
  if (url.pathname === '/poison') return simulator.injectPoison();
  if (url.pathname === '/faults') {
    const count = faultCount(await readJson(request), simulator.status().nodes);
    try {
      return await simulator.injectFatalFaults(count);
    } catch (error) {
      if (error instanceof FaultInjectionRefused) throw new ControlError(409, error.message);
      throw error;
    }
  }
  throw new ControlError(404, `no control at ${url.pathname}`);
}

/** How many nodes a POST /faults body asks to fail ({"nodes": N} or {"share": P}), of the `total` simulated nodes. */
function faultCount(body: unknown, total: number): number {
  const usage = 'send {"nodes": N} (how many nodes) or {"share": P} (percent of the nodes)';
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ControlError(400, usage);
  const fields = Object.keys(body);
  const unknown = fields.filter((field) => field !== 'nodes' && field !== 'share');
  if (unknown.length > 0) throw new ControlError(400, `unknown field ${unknown.join(', ')}; ${usage}`);
  if (fields.length !== 1) throw new ControlError(400, usage);
  const { nodes, share } = body as { nodes?: unknown; share?: unknown };
  if (share !== undefined) {
    if (typeof share !== 'number' || !(share > 0 && share <= 100))
      throw new ControlError(400, `share must be a percent above 0 and at most 100 (got ${JSON.stringify(share)})`);
    return Math.ceil((total * share) / 100);
  }
  if (typeof nodes !== 'number' || !Number.isInteger(nodes) || nodes < 1 || nodes > total)
    throw new ControlError(
      400,
      `nodes must be a whole number from 1 to ${total}, the simulated cluster's size (got ${JSON.stringify(nodes)})`,
    );
  return nodes;
}

/** Starts the control server; resolves once it listens, rejects when the port is taken. */
export function startSimulatorControl(simulator: ClusterSimulator, port: number): Promise<http.Server> {
  const server = http.createServer((request, response) => {
    handle(simulator, request).then(
      (body) => {
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify(body));
      },
      (error: Error) => {
        response.writeHead(error instanceof ControlError ? error.status : 500, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ error: error.message }));
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`SIMULATOR_CONTROL_PORT ${port} is already in use`) : error),
    );
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
