// `npm run sim -- --nodes 1000 --rate 200 --duration 10m`: a simulated cluster on any configured
// datastore, with a progress line. See lib/simulator/simulator-options.ts for every option.
import { backfill } from '../lib/simulator/backfill';
import { ClusterSimulator, SimulatorRefusedError } from '../lib/simulator/cluster-simulator';
import { assertSimulatedData } from '../lib/simulator/simulated-data-guard';
import { parseSimulatorArgs, SIMULATOR_USAGE, SimulatorUsageError } from '../lib/simulator/simulator-options';
import { configFromEnv, openDataStore, StoreError } from '../lib/store';
import { applyMigrations } from '../lib/store/postgres';
import { prepareDatastore, setUpOwnDatabase } from '../lib/store/postgres';

async function main(): Promise<number> {
  let options;
  const args = process.argv.slice(2);
  const keepIndexes = args.includes('--keep-indexes');
  try {
    options = parseSimulatorArgs(args.filter((arg) => arg !== '--keep-indexes'));
  } catch (error) {
    console.error(
      `sim: ${(error as Error).message}\n\n${SIMULATOR_USAGE}\n  --keep-indexes       backfill with health_events' indexes in place, committing every batch`,
    );
    return 2;
  }
  const config = configFromEnv();
  if (config.provider === 'postgresql') {
    // The simulator's tables go where the console's do: CONSOLE_DATABASE_URL, or beside an own database.
    if (config.consoleConnectionString) {
      await prepareDatastore(config.connectionString);
      await applyMigrations(config.consoleConnectionString);
    } else {
      await setUpOwnDatabase(config.connectionString);
    }
  }
  const store = await openDataStore(config);
  if (options.backfillEvents) {
    await assertSimulatedData(store, options.allowRealData);
    await store.close();
    if (config.provider !== 'postgresql')
      throw new SimulatorUsageError('--backfill-events needs a PostgreSQL datastore');
    const result = await backfill(config.connectionString, {
      ...options,
      events: options.backfillEvents,
      days: options.backfillDays,
      batchSize: 50_000,
      keepIndexes,
      onStart: ({ rebuildIndexes, keptIndexesBecause }) => {
        console.log(
          rebuildIndexes.length
            ? `backfill: one transaction, ${rebuildIndexes.length} indexes of health_events dropped for the load and built again after it (all restored if it stops); readers of health_events and change feeds on this server wait until it ends`
            : `backfill: indexes kept (${keptIndexesBecause}), committing every 50,000 events`,
        );
      },
      onProgress: ({ written, total, perSecond }) => {
        const done = Math.round((written / total) * 30);
        const eta = Math.round((total - written) / perSecond);
        process.stdout.write(
          `\rbackfill [${'#'.repeat(done)}${'.'.repeat(30 - done)}] ${Math.round((written / total) * 100)}% ${written.toLocaleString()} / ${total.toLocaleString()} · ${Math.round(perSecond).toLocaleString()} events/s · ETA ${eta}s   `,
        );
      },
      onIndex: ({ name, done, of, seconds }) => {
        if (done === 1) process.stdout.write('\n');
        console.log(`backfill: index ${done}/${of} ${name} built in ${seconds.toFixed(1)} s`);
      },
    });
    const rate = (n: number) => Math.round(n).toLocaleString();
    console.log(
      `\nbackfill: ${result.written.toLocaleString()} events in ${result.seconds.toFixed(1)} s (${rate(result.perSecond)} events/s): ` +
        `load ${result.loadSeconds.toFixed(1)} s (${rate(result.loadPerSecond)} events/s)` +
        (result.rebuiltIndexes.length
          ? `, ${result.rebuiltIndexes.length} indexes built again + ANALYZE ${result.indexSeconds.toFixed(1)} s`
          : '') +
        (result.skippedChangelog ? '' : ' — this role may not skip triggers, so the changelog was filled too'),
    );
    return 0;
  }
  const simulator = new ClusterSimulator(store, {
    ...options,
    onError: (error) => console.error(`sim: ${(error as Error).message}`),
  });
  await simulator.start();
  console.log(
    `sim: ${options.nodes} nodes, ${options.rate} events/s, seed ${options.seed}${options.pipeline ? ', pipeline on' : ''} (Ctrl-C stops)`,
  );

  const started = Date.now();
  const progress = setInterval(async () => {
    const status = simulator.status();
    const seconds = (Date.now() - started) / 1000;
    const lag = await store
      .consumers()
      .lag()
      .catch(() => []);
    const lagText = lag
      .filter((l) => status.consumers.some((c) => c.name === l.consumer))
      .map((l) => `${l.consumer} ${l.documentsBehind ?? '?'} behind`)
      .join(', ');
    process.stdout.write(
      `\rsim: ${status.written.toLocaleString()} events · ${(status.written / seconds).toFixed(1)}/s · ${status.activeFaults} faults open · ${lagText}   `,
    );
  }, 1_000);

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    if (options.durationMs) setTimeout(resolve, options.durationMs);
  });
  clearInterval(progress);
  await simulator.stop();
  await store.close();
  console.log(`\nsim: stopped after ${simulator.status().written.toLocaleString()} events`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    const known =
      error instanceof StoreError ||
      error instanceof SimulatorRefusedError ||
      error instanceof SimulatorUsageError ||
      error instanceof RangeError;
    console.error(`sim: ${known ? error.message : error.stack}`);
    process.exit(1);
  },
);
