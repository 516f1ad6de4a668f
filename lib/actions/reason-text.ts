// The reason an operator gives for a change (quarantine, release, disabling a user): text a person
// reads later in the audit log and on the node's page, so it must look like what it is. Normalised
// to NFC (line breaks to \n) and trimmed; characters that hide or reorder text are refused:
// control characters (C0 other than tab and newline, DEL, C1 U+0080-U+009F), bidirectional
// overrides, embeddings, isolates and marks (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C),
// and zero-width characters (U+200B-U+200D, U+2060, U+FEFF, U+180E); text that is only invisible
// (blank fillers, combining marks, format characters) is refused too. Lengths count the normalised
// text.
import { z } from 'zod';

export const REASON_MIN = 3;
export const REASON_MAX = 500;

const FORBIDDEN =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]/u;
// What draws nothing: white space, format characters, combining marks on their own, blank fillers.
const INVISIBLE = /[\s\p{Cf}\p{M}\u115f\u1160\u3164\uffa0\u2800\u034f]/gu;

const codePoint = (char: string) => `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

function kind(char: string): string {
  const code = char.codePointAt(0)!;
  if (
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069) ||
    code === 0x200e ||
    code === 0x200f ||
    code === 0x061c
  )
    return 'text-direction characters';
  if (code === 0x200b || code === 0x200c || code === 0x200d || code === 0x2060 || code === 0xfeff || code === 0x180e)
    return 'zero-width characters';
  return 'control characters';
}

/** Normalised as it is stored: NFC, \r\n and \r as \n, trimmed. */
export const normaliseReason = (text: string) => text.replace(/\r\n?/g, '\n').normalize('NFC').trim();

/** Why `reason` (already normalised) is refused, or null. */
export function reasonProblem(reason: string): string | null {
  const bad = FORBIDDEN.exec(reason);
  if (bad) return `reason must not contain ${kind(bad[0])} (found ${codePoint(bad[0])})`;
  if (reason.length < REASON_MIN) return `reason must be at least ${REASON_MIN} characters`;
  if (reason.length > REASON_MAX) return `reason must be at most ${REASON_MAX} characters`;
  if (reason.replace(INVISIBLE, '') === '')
    return 'reason must contain visible text, not only blank or invisible characters';
  return null;
}

/** The zod schema of a reason: text, normalised, then checked by reasonProblem. */
export const reasonText = z
  .string({ error: 'reason must be text' })
  .transform(normaliseReason)
  .superRefine((reason, context) => {
    const problem = reasonProblem(reason);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  });
