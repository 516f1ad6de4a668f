// The live streams this process has open, by the user who opened them, so that disabling a user
// ends their streams at once instead of at the next session re-check (LIVE_SESSION_CHECK_MS).
// Another replica's streams still end at its next re-check.

export class OpenStreams {
  private readonly byUser = new Map<string, Set<() => void>>();

  /** Registers a stream's close; returns the function that forgets it (call it when it ends). */
  add(userId: string, close: () => void): () => void {
    let closes = this.byUser.get(userId);
    if (!closes) this.byUser.set(userId, (closes = new Set()));
    closes.add(close);
    return () => {
      closes.delete(close);
      if (closes.size === 0 && this.byUser.get(userId) === closes) this.byUser.delete(userId);
    };
  }

  /** Closes every stream `userId` has open here; returns how many. */
  endFor(userId: string): number {
    const closes = [...(this.byUser.get(userId) ?? [])];
    this.byUser.delete(userId);
    for (const close of closes) close();
    return closes.length;
  }

  countFor(userId: string): number {
    return this.byUser.get(userId)?.size ?? 0;
  }
}

const holder = globalThis as unknown as Record<symbol, OpenStreams | undefined>;
const KEY = Symbol.for('sentinel-console.open-streams');

export function openStreams(): OpenStreams {
  return (holder[KEY] ??= new OpenStreams());
}
