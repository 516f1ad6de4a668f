// What a caller hands to `healthEvents().insertMany`: only nodeName, agent and checkName are
// required; everything else defaults the way NVSentinel's zero values do. Validated with zod so
// every refusal names the field.
import { z } from 'zod';

import { ValidationError } from '../errors/validation-error';
import { PROCESSING_STRATEGIES, RECOMMENDED_ACTIONS } from './enums';
import { initialStatus, type HealthEventWithStatus } from './health-event';
import { dateToTimestamp } from './timestamp';

/** Kubernetes node names are DNS-1123 subdomains: at most 253 characters. */
export const MAX_NODE_NAME_LENGTH = 253;

const text = (max: number) => z.string().max(max, `must be at most ${max} characters`);
const timestamp = z.union([
  z.date().refine((date) => !Number.isNaN(date.getTime()), 'must be a valid date'),
  z.object({ seconds: z.number().int().nonnegative(), nanos: z.number().int().min(0).max(999_999_999) }).strict(),
]);
const overrides = z.object({ force: z.boolean().default(false), skip: z.boolean().default(false) }).strict();
const enumName = <T extends Record<string, number>>(values: T, what: string) =>
  z.string().refine((name) => Object.hasOwn(values, name), {
    message: `must be one of ${Object.keys(values).join(', ')} (${what})`,
  });

export const newHealthEventSchema = z
  .object({
    nodeName: z
      .string()
      .min(1, 'must not be empty')
      .max(MAX_NODE_NAME_LENGTH, `must be at most ${MAX_NODE_NAME_LENGTH} characters`),
    agent: z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters'),
    checkName: z.string().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
    componentClass: text(50).default('GPU'),
    version: z.number().int().nonnegative().default(1),
    isFatal: z.boolean().default(false),
    isHealthy: z.boolean().default(false),
    message: text(65_536).default(''),
    recommendedAction: enumName(RECOMMENDED_ACTIONS, 'recommended action').default('NONE'),
    errorCode: z.array(text(64)).max(1000).default([]),
    entitiesImpacted: z
      .array(z.object({ entityType: text(64), entityValue: text(512) }).strict())
      .max(1000)
      .default([]),
    metadata: z.record(z.string(), text(16_384)).default({}),
    generatedTimestamp: timestamp.optional(),
    quarantineOverrides: overrides.nullable().default(null),
    drainOverrides: overrides.nullable().default(null),
    processingStrategy: enumName(PROCESSING_STRATEGIES, 'processing strategy').default('UNSPECIFIED'),
    id: text(64).default(''),
    customRecommendedAction: text(255).default(''),
    createdAt: z.date().optional(),
  })
  .strict();

export type NewHealthEvent = z.input<typeof newHealthEventSchema>;

function fieldPath(prefix: string, path: PropertyKey[]): string {
  return path.reduce<string>(
    (out, key) => (typeof key === 'number' ? `${out}[${key}]` : `${out}.${String(key)}`),
    prefix,
  );
}

/** Validates and completes one new event; throws ValidationError naming the first bad field. */
export function toHealthEventWithStatus(
  input: unknown,
  field = 'event',
  now = new Date(),
): Omit<HealthEventWithStatus, 'recordId'> {
  const parsed = newHealthEventSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const problem = issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.join(', ')}` : issue.message;
    throw new ValidationError(fieldPath(field, issue.path), problem);
  }
  const { createdAt, generatedTimestamp, ...event } = parsed.data;
  const created = createdAt ?? now;
  return {
    createdAt: created,
    healthEvent: {
      ...event,
      recommendedAction: event.recommendedAction as keyof typeof RECOMMENDED_ACTIONS,
      processingStrategy: event.processingStrategy as keyof typeof PROCESSING_STRATEGIES,
      generatedTimestamp:
        generatedTimestamp instanceof Date
          ? dateToTimestamp(generatedTimestamp)
          : (generatedTimestamp ?? dateToTimestamp(created)),
    },
    status: initialStatus(),
  };
}
