import {
  formatDate,
  formatDateTime,
  londonWallClock,
  parseCreatedDate,
  toDay,
  toSeconds,
} from '../../src/delius/time.ts';

describe('Europe/London wall-clock time (C14, A7)', () => {
  it('converts an offset timestamp to London time in summer (BST) and winter (GMT)', () => {
    expect(parseCreatedDate('2022-07-28T10:30:54.023+01:00').toISOString()).toBe('2022-07-28T10:30:54.023Z');
    expect(parseCreatedDate('2022-07-28T09:30:54.023Z').toISOString()).toBe('2022-07-28T10:30:54.023Z');
    expect(parseCreatedDate('2022-12-01T09:00:00Z').toISOString()).toBe('2022-12-01T09:00:00.000Z');
  });

  it('takes the date from London time, not from the offset supplied (A7)', () => {
    // 23:30 UTC on 31 July is 00:30 on 1 August in London.
    const time = parseCreatedDate('2022-07-31T23:30:00Z');
    expect(formatDate(time)).toBe('01/08/2022');
    expect(toDay(time).toISOString()).toBe('2022-08-01T00:00:00.000Z');
  });

  it('handles the hour that repeats when the clocks go back', () => {
    expect(londonWallClock(new Date('2022-10-30T00:30:00Z')).toISOString()).toBe('2022-10-30T01:30:00.000Z');
    expect(londonWallClock(new Date('2022-10-30T01:30:00Z')).toISOString()).toBe('2022-10-30T01:30:00.000Z');
  });

  it('truncates to whole seconds as an Oracle DATE does, and formats as Delius notes do', () => {
    const time = parseCreatedDate('2022-07-28T10:30:54.999+01:00');
    expect(toSeconds(time).toISOString()).toBe('2022-07-28T10:30:54.000Z');
    expect(formatDateTime(time)).toBe('28/07/2022 10:30:54');
  });

  it('gives the wall clock the time zone database gives, either side of every change of the clocks, in any order', () => {
    const expected = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/London',
      dateStyle: 'short',
      timeStyle: 'medium',
      hourCycle: 'h23',
    });
    const utcText = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'UTC',
      dateStyle: 'short',
      timeStyle: 'medium',
      hourCycle: 'h23',
    });
    // Instants a second either side of 01:00 UTC on the last Sundays of March and October, 2020 to 2030,
    // asked for out of order so that no answer depends on the one before.
    const instants: Date[] = [];
    for (let year = 2020; year <= 2030; year += 1)
      for (const month of [2, 9]) {
        const lastSunday = new Date(Date.UTC(year, month + 1, 0));
        lastSunday.setUTCDate(lastSunday.getUTCDate() - lastSunday.getUTCDay());
        const change = Date.UTC(year, month, lastSunday.getUTCDate(), 1);
        instants.push(new Date(change - 1000), new Date(change), new Date(change + 1000));
      }
    for (const instant of [
      ...instants.filter((_, index) => index % 2),
      ...instants.filter((_, index) => !(index % 2)),
    ])
      expect(utcText.format(londonWallClock(instant))).toBe(expected.format(instant));
  });

  it('rejects a value that is not a date-time', () => {
    expect(() => parseCreatedDate('yesterday')).toThrow('not a date-time: yesterday');
  });
});
