// What an admin sends to configure webhook alerts (/admin/alerts, POST /api/alerts/...): each
// error names the field and what it must be. A webhook URL is http or https only: the console
// posts to it from the server, so another scheme (file:, javascript:, ftp:) is never taken. A URL
// with a user or password is refused, and a refused URL is never echoed (the error is audited).
import { z } from 'zod';

import { ALERT_KINDS, DEFAULT_MAX_PER_MINUTE, MAX_PER_MINUTE_LIMIT, WEBHOOK_FORMATS } from '@/lib/queries/alerts-view';

import { firstIssue, type Parsed } from './mutation';
import { parseDuration } from './opt-out-duration';

export const URL_MAX = 2_000;
/** The event-loss threshold: from a minute to 30 days. */
export const EVENT_LOSS_WITHIN_MIN_S = 60;
export const EVENT_LOSS_WITHIN_MAX_S = 30 * 86_400;
/** A mute lasts at most 30 days. */
export const MUTE_MAX_MS = 30 * 86_400_000;

const unknownKeys = {
  error: (issue: { code: string; keys?: string[] }) =>
    issue.code === 'unrecognized_keys' ? `unknown field ${(issue.keys ?? []).join(', ')}` : undefined,
};

const webhookUrl = z
  .string({ error: 'url is required: the webhook address, http:// or https://' })
  .trim()
  .min(1, 'url is required: the webhook address, http:// or https://')
  .max(URL_MAX, `url must be at most ${URL_MAX} characters`)
  .superRefine((text, context) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      context.addIssue({
        code: 'custom',
        // The input is not echoed: a scheme-less Slack URL is its secret, and this text is audited.
        message: 'url must start with http:// or https://',
      });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      context.addIssue({
        code: 'custom',
        message: `url must use http or https (got ${url.protocol.replace(/:$/, '').slice(0, 20)}): the console only posts alerts over HTTP`,
      });
      return;
    }
    // Credentials in a URL would be shown by fetch's errors and are a secret kept where it shows.
    if (url.username || url.password)
      context.addIssue({ code: 'custom', message: 'url must not hold a user or password' });
  });

const destinationName = z
  .string({ error: 'name is required: a name for the destination, such as "on-call Slack"' })
  .trim()
  .min(1, 'name is required: a name for the destination, such as "on-call Slack"')
  .max(100, 'name must be at most 100 characters')
  .refine((name) => !/[\u0000-\u001f\u007f-\u009f]/u.test(name), 'name must not hold control characters');

const format = z.enum(WEBHOOK_FORMATS, {
  error: 'format must be "slack" (Slack-compatible {text, blocks}) or "json" (the alert\'s fields)',
});

const kinds = z
  .array(z.enum(ALERT_KINDS, { error: `kinds may hold only ${ALERT_KINDS.join(', ')}` }), {
    error: `kinds must be a list of alert kinds: ${ALERT_KINDS.join(', ')}`,
  })
  .min(1, `kinds must name at least one alert kind: ${ALERT_KINDS.join(', ')}`)
  .transform((list) => [...new Set(list)]);

const enabled = z.boolean({ error: 'enabled must be true or false' });

const PER_MINUTE = `maxPerMinute must be a whole number of sends a minute from 1 to ${MAX_PER_MINUTE_LIMIT}`;
const maxPerMinute = z
  .number({ error: PER_MINUTE })
  .int(PER_MINUTE)
  .min(1, PER_MINUTE)
  .max(MAX_PER_MINUTE_LIMIT, PER_MINUTE);

const destinationId = z.uuid({ error: 'id must be the id of a destination (a UUID)' });

const createInput = z.strictObject(
  {
    name: destinationName,
    url: webhookUrl,
    format,
    kinds,
    enabled: enabled.default(true),
    maxPerMinute: maxPerMinute.default(DEFAULT_MAX_PER_MINUTE),
  },
  unknownKeys,
);
const updateInput = z.strictObject(
  {
    id: destinationId,
    name: destinationName.optional(),
    url: webhookUrl.optional(),
    format: format.optional(),
    kinds: kinds.optional(),
    enabled: enabled.optional(),
    maxPerMinute: maxPerMinute.optional(),
  },
  unknownKeys,
);
const UNTIL_SHAPE = 'until must be a time with its zone, such as 2026-12-07T18:00:00Z, or null to unmute';

const idInput = z.strictObject({ id: destinationId }, unknownKeys);
const muteInput = z.strictObject(
  {
    id: destinationId,
    until: z.union([z.iso.datetime({ offset: true, error: UNTIL_SHAPE }), z.null()], { error: UNTIL_SHAPE }),
  },
  unknownKeys,
);
const settingsInput = z.strictObject(
  {
    eventLossWithin: z.string({ error: 'eventLossWithin must be a duration such as 1h, 30m or 1d12h' }),
  },
  unknownKeys,
);

export type CreateDestinationInput = z.infer<typeof createInput>;
export type UpdateDestinationInput = z.infer<typeof updateInput>;
export type DestinationIdInput = z.infer<typeof idInput>;
export interface MuteInput {
  id: string;
  until: Date | null;
}
export interface AlertSettingsInput {
  eventLossWithinSeconds: number;
}

function parseWith<T>(schema: z.ZodType<T>, input: unknown, shape: string): Parsed<T> {
  const parsed = schema.safeParse(input);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, error: firstIssue(parsed.error.issues, shape) };
}

export const parseCreateDestination = (input: unknown) =>
  parseWith(createInput, input, '{ name, url, format, kinds, enabled, maxPerMinute }');

export function parseUpdateDestination(input: unknown): Parsed<UpdateDestinationInput> {
  const parsed = parseWith(updateInput, input, '{ id, name?, url?, format?, kinds?, enabled?, maxPerMinute? }');
  if (parsed.ok && Object.keys(parsed.value).length === 1)
    return { ok: false, error: 'nothing to change: give name, url, format, kinds, enabled or maxPerMinute' };
  return parsed;
}

export const parseDestinationId = (input: unknown) => parseWith(idInput, input, '{ id }');

export function parseMute(input: unknown, now = Date.now()): Parsed<MuteInput> {
  const parsed = parseWith(muteInput, input, '{ id, until }');
  if (!parsed.ok) return parsed;
  if (parsed.value.until === null) return { ok: true, value: { id: parsed.value.id, until: null } };
  const until = new Date(parsed.value.until);
  if (until.getTime() <= now) return { ok: false, error: `until must be in the future (got ${parsed.value.until})` };
  if (until.getTime() - now > MUTE_MAX_MS)
    return {
      ok: false,
      error: `until must be within 30 days: a mute forgotten for longer hides alerts unseen (got ${parsed.value.until})`,
    };
  return { ok: true, value: { id: parsed.value.id, until } };
}

export function parseAlertSettings(input: unknown): Parsed<AlertSettingsInput> {
  const parsed = parseWith(settingsInput, input, '{ eventLossWithin }');
  if (!parsed.ok) return parsed;
  const text = parsed.value.eventLossWithin;
  const ms = parseDuration(text);
  if (ms === null)
    return {
      ok: false,
      error: `eventLossWithin must be a duration such as 1h, 30m or 1d12h (got "${text.slice(0, 40)}")`,
    };
  const seconds = ms / 1000;
  if (seconds < EVENT_LOSS_WITHIN_MIN_S || seconds > EVENT_LOSS_WITHIN_MAX_S)
    return { ok: false, error: `eventLossWithin must be from 1m to 30d (got "${text}")` };
  return { ok: true, value: { eventLossWithinSeconds: seconds } };
}
