// Memory of one console replica at production size (issue 18: "< 1 GB RSS at 100,000 nodes, flat
// over 10 minutes of 1,000 events/s"). The real thing: `npm start` on a datastore holding the
// history of N nodes, with the simulated NVSentinel (its pipeline acting on every event) and its
// Kubernetes twin serving the N nodes, so the replica holds the kept node projection, the roll-ups'
// keeper, the nodes informer and the live hub. The events come from this benchmark, paced at the
// rate through the SDK (the simulator's own writer, with its pipeline, does not reach 1,000 events/s
// beside everything else on two cores: it wrote 70/s at 100,000 nodes). An operator's browser is played meanwhile: one live stream open,
// the Nodes page's first page every 2 s and the 24-hour throughput every 10 s. The replica is the
// dashboard process (scripts/console-server.ts) and its children; the launcher (the simulator and
// the twin, which a deployment does not run) is not counted. Sampled from /proc every few seconds
// from the moment it is ready with its projection built (the build's own peak is printed apart).
// Baseline in the same run: the same console serving a small cluster at the same rate, so the
// difference is what the big cluster costs (per node). Both run with the Deployment's NODE_OPTIONS
// (its heap cap), as deployed: without it V8 sizes the heap from the host's memory and lets garbage
// pile up to well over a gigabyte before a full collection.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

import { loadAllYaml } from '@kubernetes/client-node';

import { backfill } from '../../lib/simulator/backfill';
import { EventGenerator } from '../../lib/simulator/event-generator';
import { openDataStore } from '../../lib/store';
import { freePort } from '../../tests/support/free-port';
import { freshDatabase, type BenchDatabase } from './bench-database';
import { rateAchieved } from './delivery-latency';

export interface ReplicaMemoryRun {
  nodes: number;
  historyEvents: number;
  /** Offered rate (events/s) and what the simulated NVSentinel wrote while measured. */
  rate: number;
  achievedRate: number;
  seconds: number;
  /** Seconds from launch to ready with the projection built (the first build included). */
  readySeconds: number;
  /** RSS (MB) peak while starting and building, before the measured window. */
  startPeakMb: number;
  /** RSS (MB) samples over the window, every `sampleSeconds`. */
  samplesMb: number[];
  sampleSeconds: number;
  /** RSS at the window's first minute (or its first sample in a short run), at its end, and its max (MB). */
  firstMinuteMb: number;
  endMb: number;
  maxMb: number;
  /** Growth per minute (MB/min): the least-squares slope over the window after its first minute. */
  growthMbPerMinute: number;
  /**
   * The JavaScript heap in use (MB, the replica's /metrics), lowest of each minute: the lowest comes
   * after a collection, so it is the live heap; its growth tells a leak from garbage not yet collected.
   */
  heapFloorMb: number[];
  heapFloorGrowthMbPerMinute: number;
  /** Reads the played browser made, and how many failed. */
  reads: number;
  failedReads: number;
}

const root = path.resolve(import.meta.dirname, '..', '..');

/**
 * NODE_OPTIONS of the console container in deploy/kubernetes/deployment.yaml (its heap cap): the
 * replica is measured as it is deployed. npm start passes it to the launcher too, which is not measured.
 */
function deployedNodeOptions(): string {
  const objects = loadAllYaml(readFileSync(path.join(root, 'deploy', 'kubernetes', 'deployment.yaml'), 'utf8')) as {
    kind: string;
    spec: { template: { spec: { containers: { name: string; env?: { name: string; value?: string }[] }[] } } };
  }[];
  const server = objects
    .find((object) => object.kind === 'Deployment')
    ?.spec.template.spec.containers.find((container) => container.name === 'console');
  const value = server?.env?.find((variable) => variable.name === 'NODE_OPTIONS')?.value;
  if (!value) throw new Error('deploy/kubernetes/deployment.yaml: the console container sets no NODE_OPTIONS');
  return value;
}

const ADMIN = { username: 'admin', password: 'bench-memory-password-1' };
const METRICS_TOKEN = 'bench-memory-metrics-token-1';

/** nodejs_heap_size_used_bytes from the replica's /metrics (MB), or undefined when it does not answer. */
async function heapUsedMb(base: string): Promise<number | undefined> {
  const answer = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } }).catch(
    () => undefined,
  );
  if (!answer?.ok) return undefined;
  const line = /^nodejs_heap_size_used_bytes (\S+)/m.exec(await answer.text());
  return line ? Number(line[1]) / 2 ** 20 : undefined;
}

/** Every process under `root` (root included), from /proc. */
async function processTree(root: number): Promise<number[]> {
  const children = new Map<number, number[]>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    if (!stat) continue;
    // pid (comm) state ppid …: the command may hold spaces and parentheses, so read after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const tree: number[] = [];
  const next = [root];
  while (next.length > 0) {
    const pid = next.pop()!;
    tree.push(pid);
    next.push(...(children.get(pid) ?? []));
  }
  return tree;
}

async function commandOf(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' ');
}

/** The dashboard process under the launcher (scripts/console-server.ts), once it runs. */
async function dashboardPid(launcher: number): Promise<number | undefined> {
  for (const pid of await processTree(launcher))
    if (pid !== launcher && (await commandOf(pid)).includes('console-server')) return pid;
  return undefined;
}

/** Resident memory of a process and its children (MB). */
async function rssMb(root: number): Promise<number> {
  let kb = 0;
  for (const pid of await processTree(root)) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    kb += Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  }
  return kb / 1024;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Least-squares slope of `values` taken every `stepSeconds`, per minute. */
function slopePerMinute(values: number[], stepSeconds: number): number {
  if (values.length < 2) return 0;
  const xs = values.map((_, index) => (index * stepSeconds) / 60);
  const meanX = xs.reduce((a, b) => a + b, 0) / xs.length;
  const meanY = values.reduce((a, b) => a + b, 0) / values.length;
  let top = 0;
  let bottom = 0;
  xs.forEach((x, index) => {
    top += (x - meanX) * (values[index] - meanY);
    bottom += (x - meanX) ** 2;
  });
  return top / bottom;
}

async function signIn(base: string): Promise<string> {
  const answer = await fetch(`${base}/api/auth/sign-in/username`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify(ADMIN),
  });
  if (!answer.ok) throw new Error(`sign-in as ${ADMIN.username} failed: ${answer.status} ${await answer.text()}`);
  const cookie = answer.headers.getSetCookie().find((line) => line.startsWith('sentinel-console.session_token='));
  if (!cookie) throw new Error('sign-in set no session cookie');
  return cookie.split(';')[0];
}

/** Ready, with the kept projection built (not warming up); throws when the launcher exits first. */
async function waitReady(base: string, launcher: ChildProcess, output: () => string): Promise<void> {
  for (;;) {
    if (launcher.exitCode !== null)
      throw new Error(`npm start exited (${launcher.exitCode}):\n${output().slice(-3000)}`);
    const answer = await fetch(`${base}/api/ready`).catch(() => undefined);
    if (answer?.ok) {
      const body = (await answer.json()) as { ready: boolean; checks: { liveFeed: { detail: string } } };
      if (body.ready && !/warming up/.test(body.checks.liveFeed.detail)) return;
    }
    await pause(1_000);
  }
}

/** One console replica, launched by `npm start` on a datastore of `nodes` nodes, measured for `seconds`. */
async function measureReplica(
  database: BenchDatabase,
  size: { nodes: number; historyEvents: number; rate: number; seconds: number; sampleSeconds: number },
): Promise<ReplicaMemoryRun> {
  const datastore = await freshDatabase(database, `memory_${size.nodes}`);
  const consoleDb = await freshDatabase(database, `memory_console_${size.nodes}`);
  let launcher: ChildProcess | undefined;
  try {
    // The simulator's own node names (seed 1, as npm start's simulator) so its events land on the history's nodes.
    await backfill(datastore.url, { seed: 1, nodes: size.nodes, events: size.historyEvents, days: 30 });
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    let output = '';
    launcher = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: datastore.url,
        CONSOLE_DATABASE_URL: consoleDb.url,
        DATASTORE_PROVIDER: 'postgresql',
        PORT: String(port),
        SIMULATOR: 'on',
        SIMULATOR_NODES: String(size.nodes),
        // The simulator keeps the pipeline and the twin; this benchmark writes the events.
        SIMULATOR_RATE: '0',
        CONSOLE_ADMIN_USERNAME: ADMIN.username,
        CONSOLE_ADMIN_PASSWORD: ADMIN.password,
        EMBEDDED_PG_PORT: String(await freePort()),
        METRICS_TOKEN,
        NODE_OPTIONS: [process.env.NODE_OPTIONS, deployedNodeOptions()].filter(Boolean).join(' '),
      },
    });
    launcher.stdout!.on('data', (chunk) => (output += chunk));
    launcher.stderr!.on('data', (chunk) => (output += chunk));
    // The peak while it starts and builds its projection; timed from the dashboard's start (npm
    // start builds the dashboard first when its sources changed, which is not the replica's start).
    let launched: number | undefined;
    let startPeakMb = 0;
    let building = true;
    const startSampler = (async () => {
      while (building) {
        const pid = await dashboardPid(launcher!.pid!);
        if (pid) {
          launched ??= Date.now();
          startPeakMb = Math.max(startPeakMb, await rssMb(pid));
        }
        await pause(1_000);
      }
    })();
    await waitReady(base, launcher, () => output).finally(() => (building = false));
    await startSampler;
    const readySeconds = (Date.now() - (launched ?? Date.now())) / 1000;
    const dashboard = await dashboardPid(launcher.pid!);
    if (!dashboard) throw new Error('no dashboard process (scripts/console-server.ts) under npm start');

    // The played browser: one live stream, the Nodes page's first page, the day's throughput.
    const cookie = await signIn(base);
    const stream = new AbortController();
    void fetch(`${base}/api/live?topics=nodes,pipeline`, { headers: { cookie }, signal: stream.signal })
      .then(async (answer) => {
        for await (const chunk of answer.body!) void chunk;
      })
      .catch(() => {});
    let reads = 0;
    let failedReads = 0;
    let browsing = true;
    const read = async (route: string) => {
      reads += 1;
      const answer = await fetch(`${base}${route}`, { headers: { cookie } }).catch(() => undefined);
      if (!answer?.ok) failedReads += 1;
      await answer?.arrayBuffer();
    };
    const browser = (async () => {
      for (let tick = 0; browsing; tick += 1) {
        await read('/api/nodes?pageSize=100');
        if (tick % 5 === 0) await read('/api/throughput?range=24h&by=agent');
        await pause(2_000);
      }
    })();

    // The health monitors: the simulator's kind of events on its nodes, paced at the rate.
    const store = await openDataStore({ provider: 'postgresql', connectionString: datastore.url });
    const generator = new EventGenerator({ seed: 2, nodes: size.nodes });
    let written = 0;
    let writing = true;
    const writer = (async () => {
      const started = Date.now();
      while (writing) {
        const due = Math.floor(((Date.now() - started) / 1000) * size.rate) - written;
        if (due > 0) {
          const batch = Math.min(due, size.rate);
          await store.healthEvents().insertMany(generator.batch(batch, new Date(), 0));
          written += batch;
        }
        await pause(50);
      }
    })();

    const windowStarted = new Date();
    const samplesMb: number[] = [];
    const heapFloorMb: number[] = [];
    const deadline = Date.now() + size.seconds * 1000;
    while (Date.now() < deadline) {
      samplesMb.push(await rssMb(dashboard));
      const heap = await heapUsedMb(base);
      const minute = Math.floor((Date.now() - windowStarted.getTime()) / 60_000);
      if (heap !== undefined) heapFloorMb[minute] = Math.min(heapFloorMb[minute] ?? Infinity, heap);
      console.log(
        `  ${size.nodes.toLocaleString()} nodes: RSS ${samplesMb[samplesMb.length - 1].toFixed(0)} MB at ${Math.round((Date.now() - windowStarted.getTime()) / 1000)} s`,
      );
      await pause(size.sampleSeconds * 1000);
    }
    const windowSeconds = (Date.now() - windowStarted.getTime()) / 1000;
    writing = false;
    browsing = false;
    stream.abort();
    await Promise.all([writer, browser]);
    await store.close();
    const achievedRate = written / windowSeconds;
    const perMinute = Math.max(1, Math.round(60 / size.sampleSeconds));
    const afterFirstMinute = samplesMb.length > perMinute * 2 ? samplesMb.slice(perMinute) : samplesMb;
    return {
      nodes: size.nodes,
      historyEvents: size.historyEvents,
      rate: size.rate,
      achievedRate,
      seconds: size.seconds,
      readySeconds,
      startPeakMb,
      samplesMb,
      sampleSeconds: size.sampleSeconds,
      firstMinuteMb: samplesMb[Math.min(perMinute, samplesMb.length - 1)],
      endMb: samplesMb[samplesMb.length - 1],
      maxMb: Math.max(...samplesMb),
      growthMbPerMinute: slopePerMinute(afterFirstMinute, size.sampleSeconds),
      heapFloorMb: heapFloorMb.filter((value) => value !== undefined),
      heapFloorGrowthMbPerMinute: slopePerMinute(
        heapFloorMb.filter((value) => value !== undefined),
        60,
      ),
      reads,
      failedReads,
    };
  } finally {
    if (launcher && launcher.exitCode === null) {
      const exited = new Promise((resolve) => launcher!.once('exit', resolve));
      launcher.kill('SIGTERM');
      await Promise.race([exited, pause(30_000)]);
      if (launcher.exitCode === null) for (const pid of await processTree(launcher.pid!)) process.kill(pid, 'SIGKILL');
    }
    await datastore.drop();
    await consoleDb.drop();
  }
}

export async function replicaMemoryBench(
  database: BenchDatabase,
  options: { quick: boolean; nodes?: number; seconds?: number },
): Promise<{ replica: ReplicaMemoryRun; baseline: ReplicaMemoryRun }> {
  const big = options.nodes ?? (options.quick ? 2_000 : 100_000);
  const rate = options.quick ? 200 : 1_000;
  const seconds = options.seconds ?? (options.quick ? 60 : 600);
  const sampleSeconds = options.quick ? 5 : 10;
  const small = Math.max(100, Math.round(big / 100));
  // The baseline first and shorter: a small cluster, the same rate and browser.
  const baseline = await measureReplica(database, {
    nodes: small,
    historyEvents: small * 10,
    rate,
    seconds: Math.max(60, Math.round(seconds / 4)),
    sampleSeconds,
  });
  const replica = await measureReplica(database, {
    nodes: big,
    historyEvents: big * 10,
    rate,
    seconds,
    sampleSeconds,
  });
  return { replica, baseline };
}

export function replicaMemoryTable(result: { replica: ReplicaMemoryRun; baseline: ReplicaMemoryRun }): string[] {
  const row = (run: ReplicaMemoryRun, what: string) =>
    `| ${what} | ${run.nodes.toLocaleString()} | ${run.historyEvents.toLocaleString()} | ${run.rate} / ${Math.round(run.achievedRate)}${rateAchieved(run.rate, run.achievedRate) ? '' : ' (offered rate not reached)'} | ${run.seconds} s | ${run.readySeconds.toFixed(0)} s / ${run.startPeakMb.toFixed(0)} MB | ${run.firstMinuteMb.toFixed(0)} / ${run.endMb.toFixed(0)} / ${run.maxMb.toFixed(0)} | ${run.growthMbPerMinute.toFixed(1)} | ${run.heapFloorMb.map((value) => value.toFixed(0)).join(', ')} (${run.heapFloorGrowthMbPerMinute.toFixed(1)} MB/min) | ${run.reads} (${run.failedReads} failed) |`;
  const { replica, baseline } = result;
  // Per node from the live heap (the lowest in use over each run): RSS ends where a collection left it.
  const lowest = (run: ReplicaMemoryRun) => Math.min(...run.heapFloorMb);
  const perNode = ((lowest(replica) - lowest(baseline)) * 2 ** 20) / (replica.nodes - baseline.nodes);
  return [
    '| replica | nodes | history events | rate offered / written (events/s) | measured for | ready with the projection built after / RSS peak until then | RSS at 1 min / end / max (MB) | RSS growth after the first minute (MB/min) | live heap: the lowest heap in use of each minute (MB), its growth | browser reads |',
    '|---|---|---|---|---|---|---|---|---|---|',
    row(replica, 'measured'),
    row(baseline, 'baseline: a small cluster'),
    '',
    `What the nodes cost: ${(perNode / 1024).toFixed(1)} KB of live heap per node (the lowest heap in use of each run). Goal: under 1 GB (1,024 MB) at 100,000 nodes, flat (growth about 0).`,
  ];
}
