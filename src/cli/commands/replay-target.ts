import { UsageError } from '../cli-config.ts';

/** Where `allocations replay` moves a group to: the targets of `kafka-consumer-groups --reset-offsets`. */
export type ReplayTarget =
  | { readonly kind: 'earliest' }
  | { readonly kind: 'latest' }
  /** The first record at or after a time (`--to-datetime`, `--by-duration`). */
  | { readonly kind: 'time'; readonly at: number }
  | { readonly kind: 'offsets'; readonly offsets: ReadonlyMap<number, number> }
  /** Each partition's committed offset moved by a number of records, back where negative. */
  | { readonly kind: 'shift'; readonly by: number };

export interface ReplayTargetOptions {
  readonly 'to-earliest'?: boolean | undefined;
  readonly 'to-latest'?: boolean | undefined;
  readonly 'to-datetime'?: string | undefined;
  /** The name this tool first gave --to-datetime: kept, meaning the same. */
  readonly 'to-time'?: string | undefined;
  readonly 'by-duration'?: string | undefined;
  readonly 'shift-by'?: string | undefined;
  readonly 'to-offsets'?: string | undefined;
}

const targetNames = [
  'to-earliest',
  'to-latest',
  'to-datetime',
  'to-time',
  'by-duration',
  'shift-by',
  'to-offsets',
] as const;

/** The one target the options name. */
export function replayTargetOf(options: ReplayTargetOptions, now: number): ReplayTarget {
  const given = targetNames.filter((name) => options[name] !== undefined && options[name] !== false);
  if (given.length !== 1)
    throw new UsageError(`give exactly one of ${targetNames.map((name) => `--${name}`).join(', ')}`);
  if (options['to-earliest']) return { kind: 'earliest' };
  if (options['to-latest']) return { kind: 'latest' };
  const dateTime = options['to-datetime'] ?? options['to-time'];
  if (dateTime !== undefined) return { kind: 'time', at: dateTimeMs(dateTime) };
  if (options['by-duration'] !== undefined)
    return { kind: 'time', at: now - durationMs(options['by-duration']) };
  if (options['shift-by'] !== undefined) {
    const by = Number(options['shift-by']);
    if (!/^[+-]?\d+$/.test(options['shift-by'].trim()) || !Number.isSafeInteger(by))
      throw new UsageError(`--shift-by: not a whole number of records: ${options['shift-by']}`);
    return { kind: 'shift', by };
  }
  const offsets = new Map<number, number>();
  for (const pair of (options['to-offsets'] ?? '').split(',')) {
    const [partition, offset, ...rest] = pair.split(':').map((part) => Number(part.trim()));
    if (!Number.isInteger(partition) || !Number.isInteger(offset) || rest.length > 0)
      throw new UsageError(`--to-offsets: not PARTITION:OFFSET: ${pair}`);
    offsets.set(partition as number, offset as number);
  }
  return { kind: 'offsets', offsets };
}

/** Kafka's `YYYY-MM-DDTHH:mm:SS.sss`, with a zone (Z, ±hh:mm) or none, which means UTC here. */
function dateTimeMs(text: string): number {
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(text) ? text : `${text}Z`;
  const at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?/.test(text) ? Date.parse(zoned) : Number.NaN;
  if (Number.isNaN(at)) throw new UsageError(`--to-datetime: not a date-time (YYYY-MM-DDTHH:mm:SS): ${text}`);
  return at;
}

/**
 * An ISO-8601 duration in days, hours, minutes and seconds (`PT30M`, `P1DT2H`), as --by-duration takes it. Months
 * and years have no fixed length, so they are refused rather than guessed.
 */
export function durationMs(text: string): number {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text);
  const [, days, hours, minutes, seconds] = match ?? [];
  if (!match || text === 'P' || text.endsWith('T') || [days, hours, minutes, seconds].every((part) => !part))
    throw new UsageError(
      `--by-duration: not a duration in days, hours, minutes or seconds (e.g. PT30M, P1DT2H): ${text}`,
    );
  return Math.round(
    (Number(days ?? 0) * 86_400 +
      Number(hours ?? 0) * 3_600 +
      Number(minutes ?? 0) * 60 +
      Number(seconds ?? 0)) *
      1_000,
  );
}

/**
 * `--shift-by -3`, as kafka-consumer-groups takes it, made `--shift-by=-3`: node's parseArgs reads a value that
 * starts with a dash as an option of its own.
 */
export function withNegativeShift(args: readonly string[]): string[] {
  const joined: string[] = [];
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] ?? '';
    const next = args[index + 1];
    if (arg === '--shift-by' && next !== undefined && /^-\d+$/.test(next)) {
      joined.push(`--shift-by=${next}`);
      index += 1;
    } else joined.push(arg);
  }
  return joined;
}
