// A stored enum value this SDK does not know: a newer NVSentinel's RecommendedAction (a number),
// nodequarantined or userpodsevictionstatus.status (a string). Reading one must not fail a
// whole list, and writing it back must store exactly what was read.
//
// Why a string `unknown(<raw>)` and not an object such as `{ unknown: 28 }`: it is a distinct
// member of every enum union, so TypeScript still makes callers handle it wherever they look a
// value up (`Record<KnownName, …>[value]`, exhaustive switches, RECOMMENDED_ACTIONS[value]), and
// as a string it crosses everything the model already crosses unchanged: JSON to the browser and
// over Server-Sent Events, SQL parameters, Map keys, equality tests (`=== 'Quarantined'` is
// simply false for it, never a crash). The raw value stays inside it, as text; a numeric enum
// field writes it back as the number it was.

/** The model's value for a stored enum value it does not know; the raw value kept as text. */
export type UnknownEnum = `unknown(${string})`;

const UNKNOWN = /^unknown\((.*)\)$/s;

export function unknownEnum(raw: string | number): UnknownEnum {
  return `unknown(${String(raw)})`;
}

export function isUnknownEnum(value: unknown): value is UnknownEnum {
  return typeof value === 'string' && UNKNOWN.test(value);
}

/** The raw value inside an unknown value, as text (undefined for any other value). */
export function unknownRaw(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  return UNKNOWN.exec(value)?.[1];
}

/** The raw value as a numeric enum field stores it: a whole number when it is one, else the text. */
export function unknownRawNumber(value: UnknownEnum): number | string {
  const raw = unknownRaw(value) ?? '';
  return /^-?\d+$/.test(raw) ? Number(raw) : raw;
}

/** How a person reads any enum value: `unknown (28)` for an unknown one, the name otherwise. */
export function enumLabel(value: string): string {
  const raw = unknownRaw(value);
  return raw === undefined ? value : `unknown (${raw})`;
}

// ---------- counting ----------

/** Distinct (field, value) pairs counted; past this, values count under `other` (bounded labels). */
const MAX_COUNTED = 200;
const counts = new Map<string, { field: string; value: string; count: number }>();

/**
 * Notes that this process decoded an unknown value of `field` (for the console's
 * sentinel_unknown_enum_values_total). Called by the codecs on every decode of one.
 */
export function countUnknownEnum(field: string, raw: string | number): void {
  let value = String(raw).slice(0, 64);
  if (!counts.has(`${field}\u0000${value}`) && counts.size >= MAX_COUNTED) value = 'other';
  const key = `${field}\u0000${value}`;
  const entry = counts.get(key);
  if (entry) entry.count += 1;
  else counts.set(key, { field, value, count: 1 });
}

/** Unknown enum values decoded by this process since it started, per field and raw value. */
export function unknownEnumCounts(): { field: string; value: string; count: number }[] {
  return [...counts.values()].map((entry) => ({ ...entry }));
}
