import { durationMs, replayTargetOf, withNegativeShift } from '../../src/cli/commands/replay-target.ts';

describe('where a replay moves a group to, as kafka-consumer-groups --reset-offsets names it', () => {
  const now = Date.parse('2026-12-06T12:00:00Z');

  it('takes exactly one target', () => {
    expect(replayTargetOf({ 'to-earliest': true }, now)).toEqual({ kind: 'earliest' });
    expect(replayTargetOf({ 'to-latest': true }, now)).toEqual({ kind: 'latest' });
    expect(() => replayTargetOf({}, now)).toThrow('give exactly one of');
    expect(() => replayTargetOf({ 'to-earliest': true, 'shift-by': '-5' }, now)).toThrow(
      'give exactly one of',
    );
  });

  it('reads a date-time as Kafka does, its zone given or UTC', () => {
    expect(replayTargetOf({ 'to-datetime': '2026-11-27T09:00:00.000' }, now)).toEqual({
      kind: 'time',
      at: Date.parse('2026-11-27T09:00:00Z'),
    });
    expect(replayTargetOf({ 'to-datetime': '2026-11-27T09:00:00+01:00' }, now)).toEqual({
      kind: 'time',
      at: Date.parse('2026-11-27T08:00:00Z'),
    });
    // --to-time, the name this tool used first, means the same.
    expect(replayTargetOf({ 'to-time': '2026-11-27T09:00:00Z' }, now)).toEqual({
      kind: 'time',
      at: Date.parse('2026-11-27T09:00:00Z'),
    });
    expect(() => replayTargetOf({ 'to-datetime': 'yesterday' }, now)).toThrow('not a date-time');
  });

  it('goes back a duration from now', () => {
    expect(replayTargetOf({ 'by-duration': 'PT30M' }, now)).toEqual({ kind: 'time', at: now - 30 * 60_000 });
    expect(replayTargetOf({ 'by-duration': 'P1DT2H' }, now)).toEqual({
      kind: 'time',
      at: now - (24 + 2) * 3_600_000,
    });
  });

  it('shifts each partition by a number of records, back where negative', () => {
    expect(replayTargetOf({ 'shift-by': '-100' }, now)).toEqual({ kind: 'shift', by: -100 });
    expect(replayTargetOf({ 'shift-by': '20' }, now)).toEqual({ kind: 'shift', by: 20 });
    expect(() => replayTargetOf({ 'shift-by': 'ten' }, now)).toThrow('--shift-by: not a whole number');
  });

  it('takes given offsets per partition', () => {
    expect(replayTargetOf({ 'to-offsets': '0:120,3:56' }, now)).toEqual({
      kind: 'offsets',
      offsets: new Map([
        [0, 120],
        [3, 56],
      ]),
    });
    expect(() => replayTargetOf({ 'to-offsets': '0=120' }, now)).toThrow('not PARTITION:OFFSET');
  });
});

describe('an ISO-8601 duration', () => {
  it('in days, hours, minutes and seconds', () => {
    expect(durationMs('PT0.5S')).toBe(500);
    expect(durationMs('PT10M')).toBe(600_000);
    expect(durationMs('P2D')).toBe(2 * 86_400_000);
    expect(durationMs('P1DT1H1M1S')).toBe(86_400_000 + 3_600_000 + 60_000 + 1_000);
  });

  it('refuses what it cannot measure exactly, or nothing at all', () => {
    for (const refused of ['P1M', 'P1Y', 'PT', 'P', '10m', '-PT1H', ''])
      expect(() => durationMs(refused)).toThrow('--by-duration');
  });
});

describe('a negative shift on the command line', () => {
  it('is taken as kafka-consumer-groups takes it, after a space', () => {
    expect(withNegativeShift(['--stage', 'sink', '--shift-by', '-3', '--json'])).toEqual([
      '--stage',
      'sink',
      '--shift-by=-3',
      '--json',
    ]);
    expect(withNegativeShift(['--shift-by', '5'])).toEqual(['--shift-by', '5']);
    expect(withNegativeShift(['--shift-by', '--execute'])).toEqual(['--shift-by', '--execute']);
  });
});
