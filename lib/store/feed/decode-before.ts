// A change's `before` (the document as it was) is read on a best-effort basis, by every provider.
// Nothing in the pipeline needs it to apply a change, so an old document the codecs cannot read
// must not cost the new one: were it to mark the change malformed, the change would be
// dead-lettered and an update or delete that was stored fine would never reach the node views.

/** The decoded old document, or null when it cannot be read. */
export function decodeBefore<T>(decode: () => T | null): T | null {
  try {
    return decode();
  } catch {
    return null;
  }
}
