// The consumer judgement's edges, with histories written out by hand: where the window starts,
// how many samples and seconds make a consumer stuck, what counts as growing, and the words and
// catch-up estimate shown beside each status.
import { describe, expect, it } from 'vitest';

import {
  ConsumerLagMonitor,
  DEFAULT_LAG_WINDOW,
  judgeConsumer,
  type ConsumerLagFigures,
  type LagSample,
} from '@/lib/store';

const t0 = new Date('2026-11-22T10:00:00Z').getTime();
const at = (seconds: number) => new Date(t0 + seconds * 1000);
const window = { samples: 30, windowMs: 60_000, stuckMs: 10_000 };

const figures = (overrides: Partial<ConsumerLagFigures> = {}): ConsumerLagFigures => ({
  consumer: 'node-drainer',
  position: '1/100',
  positionTime: at(0),
  headTime: at(0),
  lagSeconds: 1,
  documentsBehind: 10,
  documentsBehindCapped: false,
  positionKnown: true,
  positionLost: null,
  lastAckAt: at(0),
  lastSeenAt: at(100),
  ...overrides,
});
/** Samples [seconds, documentsBehind, position]. */
const history = (...samples: [number, number | null, string | null][]): LagSample[] =>
  samples.map(([seconds, documentsBehind, position]) => ({
    at: at(seconds),
    lagSeconds: null,
    documentsBehind,
    position,
  }));

describe('judging a consumer', () => {
  it('uses a one-minute window, 30 samples and 10 s stuck by default', () => {
    expect(DEFAULT_LAG_WINDOW).toEqual({ samples: 30, windowMs: 60_000, stuckMs: 10_000 });
    // Stuck 10 s over three samples with the defaults: stalled.
    expect(
      judgeConsumer(
        figures({ documentsBehind: 5 }),
        history([90, 5, '1/100'], [95, 5, '1/100'], [100, 5, '1/100']),
        at(100),
      ).status,
    ).toBe('stalled');
    // Seen 61 s ago with the defaults: stopped.
    expect(
      judgeConsumer(
        figures({ documentsBehind: 5, lastSeenAt: at(39) }),
        history([90, 5, '1/100'], [95, 5, '1/100'], [100, 5, '1/100']),
        at(100),
      ).status,
    ).toBe('stopped');
  });

  it('caught up: ok with a catch-up of 0, whatever the history', () => {
    expect(
      judgeConsumer(
        figures({ documentsBehind: 0 }),
        history([90, 5, '1/1'], [95, 5, '1/1'], [100, 0, '1/1']),
        at(100),
        window,
      ),
    ).toEqual({ status: 'ok', statusReason: 'caught up', catchUpSeconds: 0 });
    // documentsBehind unknown counts as nothing waiting.
    expect(judgeConsumer(figures({ documentsBehind: null, lastSeenAt: null }), [], at(100), window)).toMatchObject({
      status: 'ok',
      statusReason: 'caught up',
    });
  });

  it('stuck needs three samples at the position and 10 s between the first and the last of them', () => {
    const two = history([80, 5, '1/1'], [100, 5, '1/100'], [110, 5, '1/100']);
    expect(judgeConsumer(figures(), two, at(110), window).status).not.toBe('stalled');
    const short = history([100, 5, '1/100'], [104, 5, '1/100'], [109.9, 5, '1/100']);
    expect(judgeConsumer(figures(), short, at(110), window).status).not.toBe('stalled');
    const enough = history([99.5, 5, '1/100'], [104, 5, '1/100'], [109.5, 5, '1/100']);
    expect(judgeConsumer(figures(), enough, at(110), window)).toEqual({
      status: 'stalled',
      statusReason: 'position unchanged for 10 s with 10 changes waiting',
      catchUpSeconds: null,
    });
  });

  it('counts only the newest samples at the current position with work waiting', () => {
    // An older run at the same position, broken by a sample with nothing waiting, does not add up.
    const broken = history([70, 5, '1/100'], [80, 5, '1/100'], [90, 0, '1/100'], [100, 5, '1/100'], [105, 5, '1/100']);
    expect(judgeConsumer(figures(), broken, at(105), window).status).toBe('ok');
    // A sample whose backlog is unknown breaks it too.
    const unknown = history(
      [70, 5, '1/100'],
      [80, 5, '1/100'],
      [90, null, '1/100'],
      [100, 5, '1/100'],
      [105, 5, '1/100'],
    );
    expect(judgeConsumer(figures(), unknown, at(105), window).status).not.toBe('stalled');
    // Samples at another position do not count for this one.
    const moved = history([80, 5, '1/90'], [90, 5, '1/90'], [100, 5, '1/100'], [105, 5, '1/100']);
    expect(judgeConsumer(figures(), moved, at(105), window).status).not.toBe('stalled');
    // The reason rounds the seconds.
    const long = history([70, 5, '1/100'], [80.4, 5, '1/100'], [92.6, 5, '1/100']);
    expect(judgeConsumer(figures(), long, at(93), window).statusReason).toBe(
      'position unchanged for 23 s with 10 changes waiting',
    );
  });

  it('judges only the samples within the window: one exactly a window old counts, an older one does not', () => {
    // Caught up 60 s ago exactly: still ok within the window.
    const edge = history([40, 0, '1/1'], [70, 20, '1/50'], [100, 40, '1/100']);
    expect(judgeConsumer(figures({ documentsBehind: 40 }), edge, at(100), window)).toMatchObject({
      status: 'ok',
      statusReason: 'caught up within the window',
    });
    // Caught up 60.1 s ago: outside; the backlog grew across what is left, but only two samples remain.
    const outside = history([39.9, 0, '1/1'], [70, 20, '1/50'], [100, 40, '1/100']);
    expect(judgeConsumer(figures({ documentsBehind: 40 }), outside, at(100), window)).toMatchObject({
      status: 'ok',
      statusReason: 'consuming; backlog not growing',
    });
  });

  it('falling behind needs three samples in the window, none shrinking, and more waiting than at the start', () => {
    const grew = history([80, 10, '1/1'], [90, 10, '1/2'], [100, 30, '1/3']);
    expect(judgeConsumer(figures({ documentsBehind: 30 }), grew, at(100), window)).toEqual({
      status: 'falling-behind',
      statusReason: 'backlog grew from 10 to 30 over 20 s',
      catchUpSeconds: null,
    });
    const dipped = history([80, 10, '1/1'], [90, 5, '1/2'], [100, 30, '1/3']);
    expect(judgeConsumer(figures({ documentsBehind: 30 }), dipped, at(100), window).status).toBe('ok');
    const twoSamples = history([90, 10, '1/2'], [100, 30, '1/3']);
    expect(judgeConsumer(figures({ documentsBehind: 30 }), twoSamples, at(100), window).status).toBe('ok');
    // Unknown backlogs in the history count as 0.
    const unknownStart = history([80, null, '1/1'], [90, 5, '1/2'], [100, 30, '1/3']);
    expect(judgeConsumer(figures({ documentsBehind: 30 }), unknownStart, at(100), window)).toMatchObject({
      status: 'falling-behind',
      statusReason: 'backlog grew from null to 30 over 20 s',
    });
    const unknownMiddle = history([80, 10, '1/1'], [90, null, '1/2'], [100, 30, '1/3']);
    expect(judgeConsumer(figures({ documentsBehind: 30 }), unknownMiddle, at(100), window).status).toBe('ok');
  });

  it('a consumer not seen for more than the window is stopped, naming when it was last seen', () => {
    const growing = history([80, 10, '1/1'], [90, 20, '1/2'], [100, 30, '1/3']);
    expect(judgeConsumer(figures({ documentsBehind: 30, lastSeenAt: at(39.9) }), growing, at(100), window)).toEqual({
      status: 'stopped',
      statusReason: `no consumer running since ${at(39.9).toISOString()}`,
      catchUpSeconds: null,
    });
    expect(judgeConsumer(figures({ documentsBehind: 30, lastSeenAt: at(40) }), growing, at(100), window).status).toBe(
      'falling-behind',
    );
    // Caught up within the window counts before being seen: a consumer that was ok a moment ago is not "stopped" yet.
    const wasCaughtUp = history([90, 0, '1/1'], [100, 30, '1/2']);
    expect(judgeConsumer(figures({ documentsBehind: 30, lastSeenAt: null }), wasCaughtUp, at(100), window).status).toBe(
      'ok',
    );
  });

  it('estimates the time to catch up from the rate over the window', () => {
    // 600 drained in 20 s (30/s); 300 left: 10 s.
    const draining = history([80, 900, '1/1'], [90, 600, '1/2'], [100, 300, '1/3']);
    expect(judgeConsumer(figures({ documentsBehind: 300 }), draining, at(100), window)).toEqual({
      status: 'ok',
      statusReason: 'consuming; backlog not growing',
      catchUpSeconds: 10,
    });
    // Rounded: 100 left at 30/s is 3.33 s.
    expect(judgeConsumer(figures({ documentsBehind: 100 }), draining, at(100), window).catchUpSeconds).toBe(3);
    // Measured from the first sample to now, not to the last sample.
    expect(judgeConsumer(figures({ documentsBehind: 300 }), draining, at(120), window).catchUpSeconds).toBe(20);
    // Not draining, or no time passed, or the first backlog unknown: no estimate.
    const flat = history([80, 300, '1/1'], [90, 300, '1/2'], [100, 300, '1/3']);
    expect(judgeConsumer(figures({ documentsBehind: 300 }), flat, at(100), window).catchUpSeconds).toBeNull();
    expect(
      judgeConsumer(figures({ documentsBehind: 300 }), history([100, 900, '1/1']), at(100), window).catchUpSeconds,
    ).toBeNull();
    expect(
      judgeConsumer(
        figures({ documentsBehind: 300 }),
        history([80, null, '1/1'], [90, 600, '1/2'], [100, 300, '1/3']),
        at(100),
        window,
      ).catchUpSeconds,
    ).toBeNull();
    expect(judgeConsumer(figures({ documentsBehind: 300 }), [], at(100), window).catchUpSeconds).toBeNull();
  });
});

describe('the lag monitor', () => {
  it('keeps a window of samples per consumer, oldest first, and hands each judgement its own copy', async () => {
    let readings: ConsumerLagFigures[] = [];
    const monitor = new ConsumerLagMonitor(async () => readings, { samples: 3, windowMs: 60_000, stuckMs: 10_000 });
    for (let i = 0; i < 5; i += 1) {
      readings = [
        figures({ consumer: 'a', documentsBehind: i, position: `1/${i}` }),
        ...(i % 2 === 0 ? [figures({ consumer: 'b', documentsBehind: 0 })] : []),
      ];
      const lags = await monitor.sample(at(100 + i));
      if (i === 4) {
        const a = lags.find((lag) => lag.consumer === 'a')!;
        expect(a.history.map((sample) => sample.documentsBehind)).toEqual([2, 3, 4]);
        expect(a.history.map((sample) => sample.at)).toEqual([at(102), at(103), at(104)]);
        expect(lags.find((lag) => lag.consumer === 'b')!.history).toHaveLength(3);
        a.history.length = 0;
      }
    }
    readings = [figures({ consumer: 'a', documentsBehind: 9, lagSeconds: 7, position: '1/9' })];
    const [a] = await monitor.sample(at(110));
    expect(a.history).toEqual([
      { at: at(103), lagSeconds: 1, documentsBehind: 3, position: '1/3' },
      { at: at(104), lagSeconds: 1, documentsBehind: 4, position: '1/4' },
      { at: at(110), lagSeconds: 7, documentsBehind: 9, position: '1/9' },
    ]);
    expect(a).toMatchObject({ consumer: 'a', documentsBehind: 9, lagSeconds: 7, status: 'falling-behind' });
  });

  it('samples at the current time by default, with the default window', async () => {
    const monitor = new ConsumerLagMonitor(async () => [figures({ lastSeenAt: new Date(), documentsBehind: 0 })]);
    const before = Date.now();
    const [lag] = await monitor.sample();
    expect(lag.history[0].at.getTime()).toBeGreaterThanOrEqual(before);
    expect(lag.history[0].at.getTime()).toBeLessThanOrEqual(Date.now());
    for (let i = 0; i < 35; i += 1) await monitor.sample();
    expect((await monitor.sample()).at(0)!.history).toHaveLength(30);
  });
});
