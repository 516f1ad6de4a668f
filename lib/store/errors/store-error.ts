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
