/**
 * Delius keeps plain Oracle DATEs holding Europe/London wall-clock time (rule C14, A7). In this module such
 * a value is a JS Date whose UTC fields are the London wall clock (a "floating" time), so it reaches every
 * dialect unchanged with Sequelize's UTC session time zone, and formats without any zone arithmetic.
 */
export type WallClock = Date & { readonly __wallClock: true };

export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall clock in a time zone (a tz database name) at an instant, as the time whose UTC fields are it. */
export function wallClockMsIn(timeZone: string, instant: Date): number {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  const parts: Record<string, number> = {};
  for (const { type, value } of formatter.formatToParts(instant)) parts[type] = Number(value);
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
  return Date.UTC(year, month - 1, day, hour, minute, second, instant.getUTCMilliseconds());
}

const formattedWallClock = (instant: Date) => wallClockMsIn('Europe/London', instant);

const hourMs = 3_600_000;
/**
 * London's offset from UTC changes only on the hour (01:00 UTC, twice a year), so within one UTC hour it is
 * one number: the time zone is formatted (the costly part) once per hour seen, not on every call. An allocation
 * asks for two hours at least (its createdDate's and now's); a few hundred are kept.
 */
const offsets = new Map<number, number>();
const offsetsKept = 512;

/** The London wall clock at an instant, to the millisecond. */
export function londonWallClock(instant: Date): WallClock {
  const time = instant.getTime();
  const hour = Math.floor(time / hourMs);
  let offsetMs = offsets.get(hour);
  if (offsetMs === undefined) {
    offsetMs = formattedWallClock(new Date(hour * hourMs)) - hour * hourMs;
    if (offsets.size >= offsetsKept) offsets.clear();
    offsets.set(hour, offsetMs);
  }
  return new Date(time + offsetMs) as WallClock;
}

/** `createdDate` (ISO-8601 with offset) as London wall-clock time: A7 says convert first, then take every part. */
export function parseCreatedDate(iso: string): WallClock {
  const instant = new Date(iso);
  if (Number.isNaN(instant.getTime())) throw new Error(`not a date-time: ${iso}`);
  return londonWallClock(instant);
}

/** Oracle DATE has whole seconds: what Delius will hold for a value. */
export function toSeconds(time: WallClock): WallClock {
  return new Date(Math.floor(time.getTime() / 1000) * 1000) as WallClock;
}

/** A date whose UTC fields were written as London wall-clock time (fixtures and sample data). */
export function asWallClock(value: Date): WallClock {
  return value as WallClock;
}

/** The same wall-clock time moved on by `ms` milliseconds. */
export function plusMilliseconds(time: WallClock, ms: number): WallClock {
  return new Date(time.getTime() + ms) as WallClock;
}

/** Midnight of the same day (contact_date). */
export function toDay(time: WallClock): WallClock {
  return new Date(Date.UTC(time.getUTCFullYear(), time.getUTCMonth(), time.getUTCDate())) as WallClock;
}

const pad = (value: number) => String(value).padStart(2, '0');

/** dd/MM/yyyy */
export function formatDate(time: WallClock): string {
  return `${pad(time.getUTCDate())}/${pad(time.getUTCMonth() + 1)}/${time.getUTCFullYear()}`;
}

/** dd/MM/yyyy HH:mm:ss */
export function formatDateTime(time: WallClock): string {
  return `${formatDate(time)} ${pad(time.getUTCHours())}:${pad(time.getUTCMinutes())}:${pad(time.getUTCSeconds())}`;
}
