// A consumer in its own process, so tests can SIGKILL it like a crashed service. Reads the feed
// of CONSUMER on DATABASE_URL and prints one line per change: "<position> <node> <message>";
// acknowledges every change right after printing it.
import { openDataStore } from '../../lib/store';

const store = await openDataStore({ provider: 'postgresql', connectionString: process.env.DATABASE_URL! });
const feed = await store.changes(process.env.CONSUMER!, { collections: ['healthEvents'], batchSize: 200, pollIntervalMs: 100 });
for await (const change of feed) {
  if (change.collection === 'healthEvents' && change.operation === 'insert' && change.document) {
    process.stdout.write(`${change.position} ${change.document.healthEvent.nodeName} ${change.document.healthEvent.message}\n`);
  }
  feed.ack(change.position).catch(() => {});
}
