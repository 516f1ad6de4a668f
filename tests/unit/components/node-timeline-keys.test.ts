// The node timeline from the keyboard: one Tab stop, the arrow keys from point to point in time
// order, each point named as the tooltip names it, its time in the page's zone.
import { describe, expect, it } from 'vitest';

import { movePoint, pointName, type TimelinePoint } from '@/components/nodes/node-timeline';
import { UTC } from '@/lib/format/time';

describe('the timeline points from the keyboard', () => {
  it('move left and right in time order, Home and End to the ends, and not past them', () => {
    expect(movePoint(5, 2, 'ArrowLeft')).toBe(1);
    expect(movePoint(5, 2, 'ArrowRight')).toBe(3);
    expect(movePoint(5, 2, 'Home')).toBe(0);
    expect(movePoint(5, 2, 'End')).toBe(4);
    expect(movePoint(5, 0, 'ArrowLeft')).toBeNull();
    expect(movePoint(5, 4, 'ArrowRight')).toBeNull();
    expect(movePoint(5, 4, 'End')).toBeNull();
    expect(movePoint(5, 2, 'Enter')).toBeNull();
  });

  it('name a point by check, severity, time in the zone shown, entities and XID', () => {
    const point = {
      x: Date.parse('2026-12-06T14:05:03Z'),
      y: 0,
      severity: 'fatal',
      event: {
        checkName: 'SysLogsXIDError',
        entities: [{ entityType: 'GPU', entityValue: '3' }],
        errorCode: ['79'],
      },
    } as unknown as TimelinePoint;
    expect(pointName(point, UTC)).toBe('SysLogsXIDError, fatal, 2026-12-06 14:05:03 UTC, GPU 3, XID 79');
    expect(pointName(point, 'Asia/Kolkata')).toBe(
      'SysLogsXIDError, fatal, 2026-12-06 19:35:03 UTC+05:30, GPU 3, XID 79',
    );
  });
});
