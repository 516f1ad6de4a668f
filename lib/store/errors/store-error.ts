/**
 * Base of every error the store SDK throws on purpose. `code` is stable (for programs),
 * `message` is one line a person can act on.
 */
export class StoreError extends Error {
  override name = 'StoreError';
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The `code` of a StoreError, also across module copies (Next.js may bundle the SDK into more than
 * one server chunk, where `instanceof` fails); undefined for anything else.
 */
export function storeErrorCode(error: unknown): string | undefined {
  if (error instanceof StoreError) return error.code;
  const candidate = error as { name?: unknown; code?: unknown } | null;
  return typeof candidate?.code === 'string' &&
    typeof candidate.name === 'string' &&
    candidate.name.endsWith('Error') &&
    error instanceof Error &&
    /StoreError|ValidationError/.test(candidate.name)
    ? candidate.code
    : undefined;
}
