// The one formatter every time on the console goes through: a date, a clock and the zone it is in,
// written the same by the server and the browser whatever their locales; the clock alone for chart
// ticks; and datetime-local fields read and written in the zone the viewer chose.
import { describe, expect, it } from 'vitest';

import {
  formatClock,
  formatDuration,
  formatTime,
  fromZoneInput,
  isTimeZone,
  toZoneInput,
  UTC,
  zoneLabel,
  zoneOffsetMinutes,
} from '@/lib/format/time';

const WINTER = Date.parse('2026-12-06T13:05:03.250Z');
const SUMMER = Date.parse('2026-07-01T13:05:03Z');

describe('formatTime', () => {
  it('writes the date, the clock to the second and the zone', () => {
    expect(formatTime(WINTER, UTC)).toBe('2026-12-06 13:05:03 UTC');
    expect(formatTime(WINTER, 'Europe/Berlin')).toBe('2026-12-06 14:05:03 UTC+01:00');
    expect(formatTime(SUMMER, 'Europe/Berlin')).toBe('2026-07-01 15:05:03 UTC+02:00');
    expect(formatTime(WINTER, 'America/New_York')).toBe('2026-12-06 08:05:03 UTC-05:00');
    expect(formatTime(WINTER, 'Asia/Kolkata')).toBe('2026-12-06 18:35:03 UTC+05:30');
  });

  it('names the zone by its offset at that time, and says UTC for a zone on UTC’s clock', () => {
    expect(zoneLabel(WINTER, 'Europe/London')).toBe('UTC');
    expect(zoneLabel(SUMMER, 'Europe/London')).toBe('UTC+01:00');
    expect(zoneLabel(WINTER, 'America/St_Johns')).toBe('UTC-03:30');
    expect(zoneOffsetMinutes(WINTER, 'Asia/Kathmandu')).toBe(345);
    expect(zoneOffsetMinutes(WINTER, 'Pacific/Chatham')).toBe(825);
  });

  it('crosses midnight and the year in the zone, not in UTC', () => {
    const newYear = Date.parse('2026-12-31T23:30:00Z');
    expect(formatTime(newYear, 'Asia/Tokyo')).toBe('2027-01-01 08:30:00 UTC+09:00');
    expect(formatTime(newYear, 'Pacific/Honolulu')).toBe('2026-12-31 13:30:00 UTC-10:00');
  });

  it('keeps midnight at 00, never 24, and pads the epoch’s early years', () => {
    expect(formatTime(Date.parse('2026-12-07T00:00:00Z'), UTC)).toBe('2026-12-07 00:00:00 UTC');
    expect(formatTime(0, UTC)).toBe('1970-01-01 00:00:00 UTC');
    expect(formatTime(Date.parse('0099-03-04T05:06:07Z'), UTC)).toBe('0099-03-04 05:06:07 UTC');
  });

  it('says so for a time that is not one, instead of failing the page', () => {
    expect(formatTime(NaN, UTC)).toBe('an unreadable time');
    expect(formatTime(Infinity, 'Europe/Berlin')).toBe('an unreadable time');
  });
});

describe('formatClock', () => {
  it('gives a chart’s ticks: the clock, with seconds or the day when asked', () => {
    expect(formatClock(WINTER, 'Europe/Berlin')).toBe('14:05');
    expect(formatClock(WINTER, 'Europe/Berlin', { seconds: true })).toBe('14:05:03');
    expect(formatClock(WINTER, UTC, { day: true })).toBe('Dec 6 13:05');
    expect(formatClock(Date.parse('2026-12-31T23:30:00Z'), 'Asia/Tokyo', { day: true })).toBe('Jan 1 08:30');
  });
});

describe('isTimeZone', () => {
  it('knows IANA names and UTC, and refuses anything else a cookie may carry', () => {
    for (const zone of [UTC, 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5'])
      expect(isTimeZone(zone)).toBe(true);
    for (const zone of ['', 'Mars/Olympus_Mons', 'Europe/Berlin;path=/', 'x'.repeat(200)])
      expect(isTimeZone(zone)).toBe(false);
  });
});

describe('datetime-local fields in the chosen zone', () => {
  it('shows a time as the zone’s clock to the minute', () => {
    expect(toZoneInput(WINTER, UTC)).toBe('2026-12-06T13:05');
    expect(toZoneInput(WINTER, 'Europe/Berlin')).toBe('2026-12-06T14:05');
    expect(toZoneInput(NaN, UTC)).toBe('');
  });

  it('reads a clock in the zone back as the time it names', () => {
    expect(fromZoneInput('2026-12-06T14:05', 'Europe/Berlin')).toBe(Date.parse('2026-12-06T13:05:00Z'));
    expect(fromZoneInput('2026-12-06T14:05', UTC)).toBe(Date.parse('2026-12-06T14:05:00Z'));
    expect(fromZoneInput('2026-07-01T09:00:30', 'America/New_York')).toBe(Date.parse('2026-07-01T13:00:30Z'));
    for (const zone of [UTC, 'Europe/Berlin', 'Asia/Kolkata', 'America/Los_Angeles'])
      for (const at of [WINTER, SUMMER])
        expect(fromZoneInput(toZoneInput(at, zone), zone)).toBe(Math.floor(at / 60_000) * 60_000);
  });

  it('reads the clocks around a change of offset', () => {
    // Berlin, 2026-03-29: 02:00 → 03:00. 02:30 never shows; it is read with the offset before (03:30).
    expect(fromZoneInput('2026-03-29T01:59', 'Europe/Berlin')).toBe(Date.parse('2026-03-29T00:59:00Z'));
    expect(fromZoneInput('2026-03-29T03:00', 'Europe/Berlin')).toBe(Date.parse('2026-03-29T01:00:00Z'));
    expect(fromZoneInput('2026-03-29T02:30', 'Europe/Berlin')).toBe(Date.parse('2026-03-29T01:30:00Z'));
    // 2026-10-25: 03:00 → 02:00. 02:30 shows twice; either one is a right reading.
    expect([Date.parse('2026-10-25T00:30:00Z'), Date.parse('2026-10-25T01:30:00Z')]).toContain(
      fromZoneInput('2026-10-25T02:30', 'Europe/Berlin'),
    );
  });

  it('refuses what is not a clock rather than rolling it over', () => {
    for (const value of [
      '',
      '2026-12-06',
      '2026-12-06 14:05',
      '2026-02-30T10:00',
      '2026-12-06T24:00',
      '2026-13-01T00:00',
      'soon',
    ])
      expect(fromZoneInput(value, UTC), value).toBeNaN();
  });
});

describe('formatDuration', () => {
  it('writes a duration in two units, never a remainder that rounds up to a whole unit', () => {
    expect(formatDuration(0.85)).toBe('850 ms');
    expect(formatDuration(4.24)).toBe('4.2 s');
    expect(formatDuration(59.6)).toBe('1 min');
    expect(formatDuration(3_599.6)).toBe('1 h');
    expect(formatDuration(3_570)).toBe('59 min 30 s');
    expect(formatDuration(7 * 86_400 - 60)).toBe('7 d');
    expect(formatDuration(6 * 86_400 + 23 * 3600 + 29 * 60)).toBe('6 d 23 h');
    expect(formatDuration(86_400 - 20)).toBe('1 d');
    expect(formatDuration(5_400)).toBe('1 h 30 min');
    expect(formatDuration(null)).toBe('unknown');
  });
});
