// The keeper benchmark's writer for its sustained phase, in a process of its own as NVSentinel's
// platform connector is (in the keeper's process it would take the keeper's event loop): inserts
// `rate` events a second through the SDK, a batch every 100 ms, for `seconds`, and reports after
// each committed batch how many it has written in all and when (WriterProgress, wall clock: the
// parent compares it with its own Date.now()). A writer short of its rate writes fewer; it never
// bursts to catch up more than one batch at a time.
import { openDataStore } from '../../lib/store';
import { backlogEvent } from './keeper-events';

interface Orders {
  url: string;
  rate: number;
  seconds: number;
  nodes: number;
  /** Index of the first event (so its events differ from the backlog's). */
  first: number;
}

const BATCH_MS = 100;

async function main(orders: Orders): Promise<void> {
  const store = await openDataStore({ provider: 'postgresql', connectionString: orders.url });
  const perBatch = Math.max(1, Math.round((orders.rate * BATCH_MS) / 1000));
  let written = 0;
  const started = Date.now();
  try {
    for (let batch = 0; ; batch += 1) {
      const due = started + batch * BATCH_MS;
      if (due >= started + orders.seconds * 1000) break;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (Date.now() >= started + orders.seconds * 1000) break;
      const first = orders.first + written;
      await store
        .healthEvents()
        .insertMany(Array.from({ length: perBatch }, (_, i) => backlogEvent(first + i, orders.nodes)));
      written += perBatch;
      process.send!({ at: Date.now(), written });
    }
    process.send!({ done: true, written, seconds: (Date.now() - started) / 1000 });
  } finally {
    await store.close();
  }
}

process.once('message', (orders) => {
  main(orders as Orders).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
