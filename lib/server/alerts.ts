// This process's alert engine (lib/alerts/alert-engine.ts), started when the server boots
// (instrumentation.ts) so alerts go out with no page open: it starts the live hub, listens to its
// feed and lag readings, and sends what is due. Kept on globalThis so Next.js dev reloads do not
// start a second one. Every replica runs one; the console database keeps them from raising or
// sending one occurrence twice (docs/decisions.md, "Alerts").
import 'server-only';

import os from 'node:os';

import { AlertEngine } from '@/lib/alerts/alert-engine';
import { deliveryPolicyFromEnv } from '@/lib/alerts/delivery-policy';
import { eventLossWindow } from '@/lib/alerts/event-loss-window';
import { webhookAddressPolicyFromEnv } from '@/lib/alerts/webhook-address-policy';
import { sharedConsolePool } from '@/lib/console-database/console-database';
import { getClusterState } from '@/lib/server/cluster';
import { getDataStore } from '@/lib/server/datastore';
import { getLiveHub } from '@/lib/server/live-hub';

const holder = globalThis as unknown as {
  sentinelAlertEngine?: AlertEngine;
  /** Why the engine waits (the live hub would not start), as last told; undefined once it runs. */
  sentinelAlertWaiting?: string;
  sentinelAlertRunning?: boolean;
};

/**
 * This process's engine as the Alerts page shows it (AlertEngineHere in lib/queries/alerts-view.ts,
 * which this layer does not import): running, waiting for the live hub (why), or not started.
 */
export function alertEngineHere(): { replica: string; state: 'running' | 'waiting' | 'off'; reason: string | null } {
  const engine = holder.sentinelAlertEngine;
  if (!engine)
    return {
      replica: `${os.hostname()}:${process.pid}`,
      state: 'off',
      reason: 'it did not start with this server: see the server log lines starting [alerts]',
    };
  if (holder.sentinelAlertRunning) return { replica: engine.replica, state: 'running', reason: null };
  return {
    replica: engine.replica,
    state: 'waiting',
    reason: `waiting for the live hub: ${holder.sentinelAlertWaiting ?? 'starting'}`,
  };
}

/** The oplog window moves slowly: read again at most this often. */
const WINDOW_READ_MS = 60_000;
/** Waits before trying again when the live hub could not start (the datastore may be starting): doubling up to a minute. */
const FIRST_RETRY_MS = 5_000;
const MAX_RETRY_MS = 60_000;

export function startAlerts(): void {
  if (holder.sentinelAlertEngine) return;
  let window: { at: number; value: ReturnType<typeof eventLossWindow> } | undefined;
  const engine = new AlertEngine(sharedConsolePool(), {
    policy: deliveryPolicyFromEnv(),
    addressPolicy: webhookAddressPolicyFromEnv(),
    consoleUrl: process.env.BETTER_AUTH_URL || undefined,
    window: async () => {
      if (!window || Date.now() - window.at > WINDOW_READ_MS) {
        const store = await getDataStore();
        const storage =
          store.provider === 'postgresql' ? { kind: 'changelog' as const } : (await store.stats()).feedStorage;
        window = { at: Date.now(), value: eventLossWindow(storage) };
      }
      return window.value;
    },
    breaker: () => {
      const cluster = getClusterState();
      if (!cluster) return null;
      const breaker = cluster.state.breaker();
      return { status: breaker.status, trippedAt: breaker.trippedAt };
    },
    onError: (error) => console.error(`[alerts] ${(error as Error).message}`),
    onNotice: (message) => console.warn(`[alerts] ${message}`),
  });
  holder.sentinelAlertEngine = engine;
  let retryMs = FIRST_RETRY_MS;
  let told: string | undefined;
  const attach = () =>
    getLiveHub().then(
      (hub) => {
        if (told !== undefined) console.error('[alerts] the live hub started: alerts are on');
        engine.start(hub);
        holder.sentinelAlertRunning = true;
        holder.sentinelAlertWaiting = undefined;
      },
      (error: Error) => {
        // Logged once per reason, not at every try.
        if (error.message !== told) console.error(`[alerts] waiting for the live hub: ${error.message}`);
        told = error.message;
        holder.sentinelAlertWaiting = error.message;
        setTimeout(attach, retryMs).unref();
        retryMs = Math.min(MAX_RETRY_MS, retryMs * 2);
      },
    );
  void attach();
}
