// Reads Server-Sent Events from a byte stream (a live hub connection or an HTTP response body).
export interface SseMessage {
  id: string | null;
  event: string;
  data: unknown;
}

export class SseReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private buffer = '';
  readonly received: SseMessage[] = [];

  constructor(stream: ReadableStream<Uint8Array>) {
    this.reader = stream.getReader();
  }

  /** Reads until a message (from the `from`th received on) satisfies `wanted`, or fails after the timeout. */
  async until(wanted: (message: SseMessage) => boolean, timeoutMs = 10_000, from = 0): Promise<SseMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.slice(from).find(wanted);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no matching SSE message within ${timeoutMs} ms; received: ${this.received.map((m) => m.event).join(', ')}`,
        );
      let timer: NodeJS.Timeout | undefined;
      const chunk = await Promise.race([
        this.reader.read(),
        new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), left);
        }),
      ]);
      clearTimeout(timer);
      if (chunk === 'timeout') continue;
      if (chunk.done) throw new Error('the stream ended');
      this.push(this.decoder.decode(chunk.value, { stream: true }));
    }
  }

  private push(text: string): void {
    this.buffer += text;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let id: string | null = null;
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('id: ')) id = line.slice(4);
        else if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length) this.received.push({ id, event, data: JSON.parse(data.join('\n')) });
    }
  }

  async cancel(): Promise<void> {
    await this.reader.cancel();
  }
}

/** An SSE client over HTTP, like EventSource: resumes with Last-Event-ID when given one. */
export async function openSse(
  url: string,
  lastEventId?: string | null,
): Promise<{ status: number; reader: SseReader; close(): void }> {
  const abort = new AbortController();
  const response = await fetch(url, {
    signal: abort.signal,
    headers: { Accept: 'text/event-stream', ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}) },
  });
  return { status: response.status, reader: new SseReader(response.body!), close: () => abort.abort() };
}
