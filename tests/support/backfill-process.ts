// A backfill in its own process, so tests can SIGKILL it mid-run like an interrupted CLI. Backfills
// EVENTS events into DATABASE_URL and prints "load <written>" after each batch and
// "index <name>" after each index it builds again.
import { backfill } from '../../lib/simulator/backfill';

await backfill(process.env.DATABASE_URL!, {
  seed: 5,
  nodes: 500,
  events: Number(process.env.EVENTS),
  days: 7,
  batchSize: 2_000,
  onProgress: ({ written }) => process.stdout.write(`load ${written}\n`),
  onIndex: ({ name }) => process.stdout.write(`index ${name}\n`),
});
process.stdout.write('done\n');
