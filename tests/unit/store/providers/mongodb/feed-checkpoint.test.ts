// Feed checkpoints on MongoDB: what a projection keeps to open its feed again exactly where it
// stood. Tokens below follow resume_token.h's KeyString layout after the cluster time: version 2
// (2B04), token type (29 = 0, a high-water mark; 2C0100 = 128, an event), txnOpIndex (29 = 0,
// 2B02 = 1), fromInvalidate (6E = false), then the collection UUID and document key.
import { Timestamp } from 'mongodb';
import { describe, expect, it } from 'vitest';

import { ValidationError } from '@/lib/store/errors/validation-error';
import {
  checkpointAfter,
  decodeCheckpoint,
  encodeCheckpoint,
  isPastStart,
  startHasPassed,
} from '@/lib/store/providers/mongodb/feed/feed-checkpoint';

const time = (seconds: number, increment: number) =>
  `82${seconds.toString(16).toUpperCase().padStart(8, '0')}${increment.toString(16).toUpperCase().padStart(8, '0')}`;
const UUID_AND_KEY = '5A1004BFFDB617400E486099007C0E0048B305463C6F7065726174696F6E54797065003C696E7365727400000004';
/** The token of an event at (seconds, increment), the `txnOp`th write of its transaction. */
const event = (seconds: number, increment: number, txnOp = 0) =>
  `${time(seconds, increment)}2B042C0100${txnOp === 0 ? '29' : '2B02'}6E${UUID_AND_KEY}`;
/** A high-water mark at (seconds, increment): before every event at that time. */
const highWaterMark = (seconds: number, increment: number) => `${time(seconds, increment)}2B0429296E04`;

const passed = (checkpoint: string, position: string) => startHasPassed(decodeCheckpoint(checkpoint), position);

describe('MongoDB feed checkpoints', () => {
  it('keeps a resume token or a cluster time as JSON tagged as MongoDB, and reads it back', () => {
    const afterToken = encodeCheckpoint({ startAfter: { _data: event(1_763_700_000, 3) } });
    expect(JSON.parse(afterToken)).toEqual({ provider: 'mongodb', startAfter: event(1_763_700_000, 3) });
    expect(decodeCheckpoint(afterToken)).toEqual({ startAfter: { _data: event(1_763_700_000, 3) } });

    const atTime = encodeCheckpoint({ startAtOperationTime: new Timestamp({ t: 1_763_700_000, i: 4 }) });
    expect(JSON.parse(atTime)).toEqual({ provider: 'mongodb', startAtOperationTime: { t: 1_763_700_000, i: 4 } });
    const decoded = decodeCheckpoint(atTime).startAtOperationTime!;
    expect([decoded.t, decoded.i]).toEqual([1_763_700_000, 4]);
  });

  it("starts readNodeState's checkpoint at the tick after the read's time, across an increment's end", () => {
    expect(JSON.parse(checkpointAfter({ seconds: 1_763_700_000, increment: 7 }))).toEqual({
      provider: 'mongodb',
      startAtOperationTime: { t: 1_763_700_000, i: 8 },
    });
    expect(JSON.parse(checkpointAfter({ seconds: 1_763_700_000, increment: 0xffff_ffff }))).toEqual({
      provider: 'mongodb',
      startAtOperationTime: { t: 1_763_700_001, i: 0 },
    });
  });

  it('refuses anything but a MongoDB checkpoint, naming checkpoint', () => {
    const postgres = JSON.stringify({ order: 'id', top: '120', gaps: [] });
    const refusals: [unknown, RegExp][] = [
      [
        postgres,
        /^checkpoint: is a PostgreSQL feed checkpoint; a checkpoint is valid only on the datastore that gave it/,
      ],
      ['not json', /^checkpoint: is not a MongoDB feed checkpoint \(got "not json"\)/],
      [42, /^checkpoint: is not a MongoDB feed checkpoint/],
      ['[]', /^checkpoint: is not a MongoDB feed checkpoint/],
      [JSON.stringify({ provider: 'mongodb' }), /^checkpoint: needs startAfter .* or startAtOperationTime/],
      [
        JSON.stringify({ provider: 'mongodb', startAfter: '999/999' }),
        /^checkpoint: startAfter is not a resume token's _data/,
      ],
      [
        JSON.stringify({ provider: 'mongodb', startAfter: { _data: event(1, 1) } }),
        /startAfter is not a resume token's _data/,
      ],
      [
        JSON.stringify({ provider: 'mongodb', startAtOperationTime: { t: -1, i: 0 } }),
        /startAtOperationTime \(\{t, i\}/,
      ],
      [JSON.stringify({ provider: 'mongodb', startAtOperationTime: { t: 1, i: 2 ** 32 } }), /startAtOperationTime/],
      [
        JSON.stringify({ provider: 'mongodb', startAfter: event(1, 1), startAtOperationTime: { t: 1, i: 1 } }),
        /^checkpoint: has both startAfter and startAtOperationTime/,
      ],
    ];
    for (const [checkpoint, message] of refusals) {
      const error = (() => {
        try {
          decodeCheckpoint(checkpoint);
        } catch (failure) {
          return failure;
        }
      })();
      expect(error, String(checkpoint)).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ field: 'checkpoint', message: expect.stringMatching(message) });
    }
  });

  it('a cluster-time checkpoint has passed the changes before its time, not those at it', () => {
    const readAt = checkpointAfter({ seconds: 1_763_700_000, increment: 5 });
    expect(passed(readAt, event(1_763_700_000, 5))).toBe(true); // the read saw it
    expect(passed(readAt, event(1_763_700_000, 5, 1))).toBe(true); // a later write of the same transaction
    expect(passed(readAt, event(1_763_699_999, 900))).toBe(true);
    expect(passed(readAt, event(1_763_700_000, 6))).toBe(false);
    expect(passed(readAt, event(1_763_700_001, 0))).toBe(false);
  });

  it('a token checkpoint has passed the changes that sort up to its token: stream order, ties by txnOpIndex', () => {
    const afterFirstWrite = encodeCheckpoint({ startAfter: { _data: event(1_763_700_000, 5) } });
    expect(passed(afterFirstWrite, event(1_763_700_000, 5))).toBe(true);
    expect(passed(afterFirstWrite, event(1_763_700_000, 5).toLowerCase())).toBe(true);
    expect(passed(afterFirstWrite, event(1_763_700_000, 5, 1))).toBe(false); // the transaction's next write
    expect(passed(afterFirstWrite, event(1_763_700_000, 4, 1))).toBe(true);
    expect(passed(afterFirstWrite, event(1_763_700_000, 6))).toBe(false);
    // A post-batch high-water mark at a time: everything before that time, nothing at it.
    const idle = encodeCheckpoint({ startAfter: { _data: highWaterMark(1_763_700_000, 9) } });
    expect(passed(idle, event(1_763_700_000, 8, 1))).toBe(true);
    expect(passed(idle, event(1_763_700_000, 9))).toBe(false);
  });

  it('refuses a position that is not a resume token, naming position', () => {
    const readAt = checkpointAfter({ seconds: 1_763_700_000, increment: 5 });
    expect(() => passed(readAt, '120')).toThrow(/^position: is not a MongoDB feed position/);
    expect(() => passed(readAt, '120')).toThrow(ValidationError);
  });

  it("moves an idle feed's start only forward", () => {
    const at = { startAtOperationTime: new Timestamp({ t: 1_763_700_000, i: 5 }) };
    expect(isPastStart(highWaterMark(1_763_700_000, 6), at)).toBe(true);
    expect(isPastStart(highWaterMark(1_763_700_000, 5), at)).toBe(false);
    expect(isPastStart(highWaterMark(1_763_699_999, 9), at)).toBe(false);
    const after = { startAfter: { _data: event(1_763_700_000, 5) } };
    expect(isPastStart(highWaterMark(1_763_700_000, 6), after)).toBe(true);
    expect(isPastStart(highWaterMark(1_763_700_000, 5), after)).toBe(false);
  });
});
