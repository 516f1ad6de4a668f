// Webhook alerts as admins configure them (/admin/alerts and POST /api/alerts/...): add, change and
// delete a destination, send it a test alert, mute it until a time, set when a consumer counts as
// at risk of losing events. Each runs through run-mutation.ts (one audit row per attempt). The
// audit rows and answers show a webhook's URL cut short (its path is often its secret).
import type { Alert } from '@/lib/alerts/alert';
import { alertBody } from '@/lib/alerts/alert-payload';
import {
  createDestination,
  deleteDestination,
  DestinationNameTaken,
  getDestination,
  logTestSend,
  muteDestination,
  readEventLossWithin,
  updateDestination,
  writeEventLossWithin,
  type AlertDestination,
} from '@/lib/alerts/alert-tables';
import { deliveryPolicyFromEnv, delivered } from '@/lib/alerts/delivery-policy';
import { checkWebhookTarget, webhookAddressPolicyFromEnv } from '@/lib/alerts/webhook-address-policy';
import { sendWebhook } from '@/lib/alerts/webhook-send';
import { formatDuration } from '@/lib/format/time';
import { shownUrl } from '@/lib/queries/alerts-view';

import {
  parseAlertSettings,
  parseCreateDestination,
  parseDestinationId,
  parseMute,
  parseUpdateDestination,
  type AlertSettingsInput,
  type CreateDestinationInput,
  type DestinationIdInput,
  type MuteInput,
  type UpdateDestinationInput,
} from './alert-input';
import { rawField, type Mutation, type MutationOutcome } from './mutation';

/** A destination as the audit log keeps it. */
const recorded = (destination: AlertDestination) => ({
  name: destination.name,
  url: shownUrl(destination.url),
  format: destination.format,
  kinds: destination.kinds,
  enabled: destination.enabled,
  mutedUntil: destination.mutedUntil?.toISOString() ?? null,
  maxPerMinute: destination.maxPerMinute,
});

const targetOf = (id: string | null) => (id ? `alert-destination/${id}` : null);

const notFound = (id: string): MutationOutcome => ({
  ok: false,
  outcome: 'invalid',
  status: 404,
  error: `no alert destination with id ${id}`,
});

/**
 * A URL whose address the policy refuses (lib/alerts/webhook-address-policy.ts): a 400 naming the
 * host and the setting that would allow it; null when it may be saved. Checked again at each send.
 */
async function refusedAddress(url: string | undefined): Promise<MutationOutcome | null> {
  if (url === undefined) return null;
  const checked = await checkWebhookTarget(url, webhookAddressPolicyFromEnv());
  return checked.ok ? null : { ok: false, outcome: 'invalid', status: 400, error: checked.error };
}

const taken = (error: unknown): MutationOutcome => {
  if (error instanceof DestinationNameTaken)
    return { ok: false, outcome: 'invalid', status: 409, error: error.message };
  throw error;
};

export const createAlertDestinationMutation: Mutation<CreateDestinationInput> = {
  action: 'alerts.destination.create',
  permission: 'alerts:manage',
  parse: parseCreateDestination,
  rawTarget: (input) => {
    const name = rawField(input, 'name');
    return name ? `alert-destination/${name}` : null;
  },
  target: (value) => `alert-destination/${value.name}`,
  run: async (value, _actor, context) => {
    const refused = await refusedAddress(value.url);
    if (refused) return refused;
    try {
      const destination = await createDestination(context.consolePool(), value);
      return {
        ok: true,
        message: `Destination "${destination.name}" added: ${value.kinds.length} alert kind${value.kinds.length === 1 ? '' : 's'} to ${shownUrl(destination.url)}`,
        after: { id: destination.id, ...recorded(destination) },
        target: `alert-destination/${destination.id}`,
      };
    } catch (error) {
      return taken(error);
    }
  },
};

export const updateAlertDestinationMutation: Mutation<UpdateDestinationInput> = {
  action: 'alerts.destination.update',
  permission: 'alerts:manage',
  parse: parseUpdateDestination,
  rawTarget: (input) => targetOf(rawField(input, 'id')),
  target: (value) => `alert-destination/${value.id}`,
  run: async ({ id, ...fields }, _actor, context) => {
    const pool = context.consolePool();
    const before = await getDestination(pool, id);
    if (!before) return notFound(id);
    const refused = await refusedAddress(fields.url);
    if (refused) return { ...refused, before: recorded(before) } as MutationOutcome;
    try {
      const after = await updateDestination(pool, id, fields);
      if (!after) return notFound(id);
      return {
        ok: true,
        message: `Destination "${after.name}" saved`,
        before: recorded(before),
        after: recorded(after),
      };
    } catch (error) {
      return { ...taken(error), before: recorded(before) } as MutationOutcome;
    }
  },
};

export const deleteAlertDestinationMutation: Mutation<DestinationIdInput> = {
  action: 'alerts.destination.delete',
  permission: 'alerts:manage',
  parse: parseDestinationId,
  rawTarget: (input) => targetOf(rawField(input, 'id')),
  target: (value) => `alert-destination/${value.id}`,
  run: async ({ id }, _actor, context) => {
    const pool = context.consolePool();
    const before = await getDestination(pool, id);
    if (!before || !(await deleteDestination(pool, id))) return notFound(id);
    return {
      ok: true,
      message: `Destination "${before.name}" deleted, with its delivery log`,
      before: recorded(before),
    };
  },
};

export const muteAlertDestinationMutation: Mutation<MuteInput> = {
  action: 'alerts.destination.mute',
  permission: 'alerts:manage',
  parse: (input) => parseMute(input),
  rawTarget: (input) => targetOf(rawField(input, 'id')),
  target: (value) => `alert-destination/${value.id}`,
  run: async ({ id, until }, _actor, context) => {
    const pool = context.consolePool();
    const before = await getDestination(pool, id);
    if (!before) return notFound(id);
    const after = await muteDestination(pool, id, until);
    if (!after) return notFound(id);
    return {
      ok: true,
      message: until
        ? `Destination "${after.name}" muted until ${until.toISOString()}: alerts raised until then are logged, not sent`
        : `Destination "${after.name}" unmuted`,
      before: recorded(before),
      after: recorded(after),
    };
  },
};

/** What a test send posts: an alert of its own kind, marked as a test in both formats. */
function testAlert(destination: AlertDestination): Alert {
  return {
    kind: destination.kinds[0] ?? 'contact-support',
    subject: 'test',
    occurrenceKey: `test:${destination.id}:${Date.now()}`,
    title: 'Test alert from Sentinel Console',
    summary: `A test of destination "${destination.name}": alerts of ${destination.kinds.join(', ')} come here.`,
    details: { destination: destination.name },
    raisedAt: new Date(),
  };
}

export const testAlertDestinationMutation: Mutation<DestinationIdInput> = {
  action: 'alerts.destination.test',
  permission: 'alerts:manage',
  parse: parseDestinationId,
  rawTarget: (input) => targetOf(rawField(input, 'id')),
  target: (value) => `alert-destination/${value.id}`,
  run: async ({ id }, _actor, context) => {
    const pool = context.consolePool();
    const destination = await getDestination(pool, id);
    if (!destination) return notFound(id);
    const { timeoutMs } = deliveryPolicyFromEnv();
    const result = await sendWebhook(
      destination.url,
      alertBody(testAlert(destination), destination.format, true),
      timeoutMs,
      webhookAddressPolicyFromEnv(),
    );
    const ok = delivered(result);
    await logTestSend(pool, id, result, ok);
    const answer = result.statusCode === null ? result.error : `HTTP ${result.statusCode}`;
    const after = { url: shownUrl(destination.url), answer, durationMs: result.durationMs };
    return ok
      ? {
          ok: true,
          message: `Test alert delivered to "${destination.name}": ${answer} in ${result.durationMs} ms`,
          after,
        }
      : {
          ok: false,
          outcome: 'invalid',
          status: 409,
          error: `the test alert was not delivered to "${destination.name}": ${answer}`,
          after,
        };
  },
};

export const setAlertSettingsMutation: Mutation<AlertSettingsInput> = {
  action: 'alerts.settings',
  permission: 'alerts:manage',
  parse: parseAlertSettings,
  rawTarget: () => 'alert-settings',
  target: () => 'alert-settings',
  run: async ({ eventLossWithinSeconds }, _actor, context) => {
    const pool = context.consolePool();
    const before = await readEventLossWithin(pool);
    await writeEventLossWithin(pool, eventLossWithinSeconds);
    return {
      ok: true,
      message: `A consumer is now at risk when its oldest unread change would be lost within ${formatDuration(eventLossWithinSeconds)}`,
      before: { eventLossWithinSeconds: before },
      after: { eventLossWithinSeconds },
    };
  },
};
