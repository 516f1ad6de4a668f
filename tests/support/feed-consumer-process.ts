// A consumer in its own process, so tests can SIGKILL it like a crashed service. Reads the feed
// of CONSUMER on DATABASE_URL and prints one line per change: "<position> <node> <message>";
// acknowledges each change once its line has left this process. (Acknowledging right after
// write() lost lines: on a busy pipe stdout buffers inside the process, so a SIGKILL dropped
// lines whose changes were already acknowledged, and the test saw them as never delivered.)
import { once } from 'node:events';

import { openDataStore } from '../../lib/store';

const store = await openDataStore({ provider: 'postgresql', connectionString: process.env.DATABASE_URL! });
const feed = await store.changes(process.env.CONSUMER!, {
  collections: ['healthEvents'],
  batchSize: 200,
  pollIntervalMs: 100,
});
for await (const change of feed) {
  const ack = () => {
    feed.ack(change.position).catch(() => {});
  };
  if (change.collection === 'healthEvents' && change.operation === 'insert' && change.document) {
    const line = `${change.position} ${change.document.healthEvent.nodeName} ${change.document.healthEvent.message}\n`;
    // The callback runs once the line is handed to the pipe (in order), so nothing acknowledged is unprinted.
    if (!process.stdout.write(line, ack)) await once(process.stdout, 'drain');
  } else {
    process.stdout.write('', ack); // after the lines before it, still in order
  }
}
