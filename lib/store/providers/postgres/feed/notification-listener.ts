// A dedicated connection that LISTENs on NVSentinel's channel and wakes the feed. Prisma has no
// LISTEN API, so this is a plain pg.Client. It reconnects with backoff when the server goes away;
// a notification lost meanwhile is covered by the feed's poll.
import pg from 'pg';

export const CHANGE_CHANNEL = 'nvsentinel_changes';

export class NotificationListener {
  private client?: pg.Client;
  private stopped = false;
  private attempt = 0;
  private reconnectTimer?: NodeJS.Timeout;
  connected = false;

  constructor(
    private readonly connectionString: string,
    private readonly onNotify: () => void,
    private readonly onConnectionChange: (connected: boolean) => void = () => {},
    private readonly ssl?: pg.ConnectionConfig['ssl'],
  ) {}

  start(): void {
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({
      connectionString: this.connectionString,
      ssl: this.ssl,
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
    });
    this.client = client;
    client.on('notification', () => this.onNotify());
    client.on('error', () => this.lost(client));
    // Stryker disable next-line ArrowFunction: equivalent: pg reports every lost connection also as an 'error' event or, while connecting, as connect()'s rejection, within a tick of 'end'; those alone notice each loss (lost() ignores the second report)
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGE_CHANNEL}`);
      if (this.stopped) {
        await client.end().catch(() => {});
        return;
      }
      this.attempt = 0;
      this.connected = true;
      this.onConnectionChange(true);
      // Changes made while we were away were not notified: let the feed look now.
      this.onNotify();
    } catch {
      this.lost(client);
    }
  }

  private lost(client: pg.Client): void {
    if (client !== this.client || this.stopped) return;
    this.client = undefined;
    client.end().catch(() => {});
    if (this.connected) {
      this.connected = false;
      this.onConnectionChange(false);
    }
    const delay = Math.min(5_000, 100 * 2 ** this.attempt++);
    this.reconnectTimer = setTimeout(() => void this.connect(), delay);
    this.reconnectTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }
}
