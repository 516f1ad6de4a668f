// The Throughput page's read model on the app's datastore (the logic is in throughput-read.ts).
import 'server-only';

import type { ThroughputGrouping, ThroughputRange } from '@/lib/format/throughput-series';
import { getDataStore } from '@/lib/server/datastore';

import { readThroughput, type ThroughputView } from './throughput-read';

export type { ThroughputView };

export async function readThroughputView(range: ThroughputRange, by: ThroughputGrouping): Promise<ThroughputView> {
  return readThroughput(await getDataStore(), { range, by });
}
