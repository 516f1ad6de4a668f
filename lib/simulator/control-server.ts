// A small HTTP control for a running simulator, on 127.0.0.1 only and only when asked for
// (SIMULATOR_CONTROL_PORT): pause and resume a pipeline consumer, change slowness and failure
// rates, inject a poison event. Browser tests use it to make lag, stalls and dead letters appear.
//   GET  /status
//   POST /consumers/<fault-quarantine|node-drainer|fault-remediation>/pause | /resume
//   POST /settings   {"drainMs": 2000, "failPoison": false, ...}
//   POST /poison
import http from 'node:http';

import { PIPELINE_CONSUMERS, type ClusterSimulator, type PipelineConsumer } from './cluster-simulator';
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
  if (url.pathname === '/poison') return simulator.injectPoison();
  throw new ControlError(404, `no control at ${url.pathname}`);
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
