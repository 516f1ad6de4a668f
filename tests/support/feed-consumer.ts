// Runs tests/support/feed-consumer-process.ts (a change-feed consumer in its own process) and
// SIGKILLs it when the test says so, like a crashed service.
import { spawn } from 'node:child_process';

export interface ConsumerDelivery {
  position: string;
  node: string;
  message: string;
}

export interface ConsumerExit {
  /** True when the test killed it; false when it exited (or stalled) by itself. */
  killed: boolean;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when it printed nothing for `idleTimeoutMs` and was killed for that. */
  idle: boolean;
}

/**
 * Starts the consumer process for `consumer` on `url`, calls `onDelivery` for each change it
 * prints, and SIGKILLs it as soon as `killWhen()` is true after a delivery (or when it stays
 * silent for `idleTimeoutMs`). Resolves once the process has exited.
 */
export function runFeedConsumer(
  url: string,
  consumer: string,
  onDelivery: (delivery: ConsumerDelivery) => void,
  killWhen: () => boolean,
  idleTimeoutMs = 120_000,
): Promise<ConsumerExit> {
  // `node --import tsx` runs the consumer in this one process, so SIGKILL kills the consumer itself
  // (the tsx CLI would leave its child running).
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/support/feed-consumer-process.ts'], {
    env: { ...process.env, DATABASE_URL: url, CONSUMER: consumer },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let buffered = '';
  let killed = false;
  let idle = false;
  const kill = () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    killed = true;
    child.kill('SIGKILL');
  };
  let idleTimer = setTimeout(() => {
    idle = true;
    kill();
  }, idleTimeoutMs);
  return new Promise((resolve) => {
    child.stdout.on('data', (chunk) => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        idle = true;
        kill();
      }, idleTimeoutMs);
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const [position, node, message] = line.split(' ');
        onDelivery({ position, node, message });
      }
      if (killWhen()) kill();
    });
    child.on('exit', (code, signal) => {
      clearTimeout(idleTimer);
      resolve({ killed: killed && !idle, code, signal, idle });
    });
  });
}
