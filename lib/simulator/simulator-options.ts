// Simulator settings from the command line (`npm run sim -- --nodes 1000 --rate 200`) or from the
// environment (`npm start`: SIMULATOR_NODES, SIMULATOR_RATE, …). Nonsense is refused with a line
// that names the option.
import type { SimulatorOptions } from './cluster-simulator';

export class SimulatorUsageError extends Error {
  override name = 'SimulatorUsageError';
}

export const SIMULATOR_USAGE = `usage: npm run sim -- [options]
  --nodes N            cluster size, 1-100000 nodes of 8 GPUs (default 48)
  --rate R             events per second, 0-100000 (default 20)
  --duration D         stop after D (e.g. 90s, 10m, 2h; default: until Ctrl-C)
  --seed S             whole number; the same seed replays the same events (default 1)
  --drain-ms MS        how long a simulated drain takes (default 300)
  --failure-rate F     share of drains and remediations that fail, 0-1 (default 0.05)
  --no-pipeline        only write events; do not run the simulated consumers
  --backfill-events N  instead of a live run: write N events of processed history, then exit
  --backfill-days D    spread the backfill over the last D days (default 30)
  --allow-real-data    write even into a datastore holding events the simulator did not write
The datastore comes from DATABASE_URL (or DATASTORE_* / MONGODB_*), as for the dashboard.`;

function number(name: string, raw: string | undefined, min: number, max: number, integer: boolean): number {
  const value = Number(raw);
  if (
    raw === undefined ||
    raw === '' ||
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (integer && !Number.isInteger(value))
  ) {
    throw new SimulatorUsageError(
      `${name} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max} (got ${JSON.stringify(raw ?? '')})`,
    );
  }
  return value;
}

export function parseDuration(raw: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(raw);
  if (!match || Number(match[1]) <= 0)
    throw new SimulatorUsageError(`--duration must look like 90s, 10m or 2h (got ${JSON.stringify(raw)})`);
  return Number(match[1]) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
}

export interface CliOptions extends SimulatorOptions {
  durationMs?: number;
  backfillEvents?: number;
  backfillDays: number;
}

export function parseSimulatorArgs(args: string[]): CliOptions {
  const options: CliOptions = { seed: 1, nodes: 48, rate: 20, pipeline: true, settings: {}, backfillDays: 30 };
  for (let i = 0; i < args.length; i += 1) {
    const flag = args[i];
    const value = () => {
      const next = args[i + 1];
      if (next === undefined || next.startsWith('--')) throw new SimulatorUsageError(`${flag} needs a value`);
      i += 1;
      return next;
    };
    switch (flag) {
      case '--nodes':
        options.nodes = number('--nodes', value(), 1, 100_000, true);
        break;
      case '--rate':
        options.rate = number('--rate', value(), 0, 100_000, false);
        break;
      case '--seed':
        options.seed = number('--seed', value(), 0, 2 ** 32 - 1, true);
        break;
      case '--duration':
        options.durationMs = parseDuration(value());
        break;
      case '--drain-ms':
        options.settings!.drainMs = number('--drain-ms', value(), 0, 3_600_000, true);
        break;
      case '--failure-rate': {
        const rate = number('--failure-rate', value(), 0, 1, false);
        options.settings!.drainFailureRate = rate;
        options.settings!.remediationFailureRate = rate;
        break;
      }
      case '--no-pipeline':
        options.pipeline = false;
        break;
      case '--backfill-events':
        options.backfillEvents = number('--backfill-events', value(), 1, 100_000_000, true);
        break;
      case '--backfill-days':
        options.backfillDays = number('--backfill-days', value(), 0.001, 365, false);
        break;
      case '--allow-real-data':
        options.allowRealData = true;
        break;
      default:
        throw new SimulatorUsageError(`unknown option ${JSON.stringify(flag)}`);
    }
  }
  return options;
}

/** `npm start`'s simulator: on by default on the embedded database, off on any other (DATABASE_URL, MongoDB). */
export function simulatorFromEnv(
  env: Record<string, string | undefined>,
  embedded: boolean,
): SimulatorOptions | undefined {
  const mode = (env.SIMULATOR ?? (embedded ? 'on' : 'off')).toLowerCase();
  if (mode === 'off' || mode === 'false' || mode === '0') return undefined;
  if (mode !== 'on' && mode !== 'true' && mode !== '1')
    throw new SimulatorUsageError(`SIMULATOR must be on or off (got ${JSON.stringify(env.SIMULATOR)})`);
  return {
    seed: env.SIMULATOR_SEED ? number('SIMULATOR_SEED', env.SIMULATOR_SEED, 0, 2 ** 32 - 1, true) : 1,
    nodes: env.SIMULATOR_NODES ? number('SIMULATOR_NODES', env.SIMULATOR_NODES, 1, 100_000, true) : 48,
    rate: env.SIMULATOR_RATE ? number('SIMULATOR_RATE', env.SIMULATOR_RATE, 0, 100_000, false) : 20,
    pipeline: true,
  };
}
