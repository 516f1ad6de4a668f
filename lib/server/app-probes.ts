// This process's health and readiness probes: each probed at most once per interval for the
// settings in force, concurrent callers sharing the probe in flight, so however many anonymous
// callers ask, the databases see one probe per interval (lib/probes has the checks themselves).
import 'server-only';

import { probeReadiness, type Readiness } from '@/lib/probes/readiness';
import { sharedProbe } from '@/lib/probes/shared-probe';
import { HEALTH_PROBE_TTL_MS, probeSystemHealth, type SystemHealth } from '@/lib/probes/system-health';
import { appContext } from '@/lib/server/app-context';

/**
 * The system's health, probed at most once per HEALTH_PROBE_TTL_MS for the settings in force
 * (concurrent callers share the probe in flight), over the app's pools: no request opens a
 * connection of its own. checkedAt says when the answer was probed.
 */
export const checkSystemHealth: () => Promise<SystemHealth> = sharedProbe(
  () => probeSystemHealth(appContext()),
  HEALTH_PROBE_TTL_MS,
  () =>
    ['DATABASE_URL', 'DATASTORE_PROVIDER', 'MONGODB_URI', 'CONSOLE_DATABASE_URL', 'DATASTORE_HOST']
      .map((name) => process.env[name] ?? '')
      .join('\n'),
);

/** Readiness, probed at most once a second. */
export const checkReadiness: () => Promise<Readiness> = sharedProbe(() => probeReadiness(appContext()), 1_000);
