import { AppError } from '../domain/errors.ts';

/**
 * The longest key a record of the service's topics may carry: a CRN is 7 characters and a message id at most
 * 128. A longer one was not written by the service: it is refused before decoding, and never produced again
 * (hashing a key to a partition costs time in its length; a key of 600 KB once held a stage for over a minute).
 */
export const maxKeyBytes = 256;

/** Why a record's key is refused, or undefined when it is within bounds. */
export function keyProblem(key: string | null): AppError | undefined {
  if (key === null) return undefined;
  const bytes = Buffer.byteLength(key);
  return bytes > maxKeyBytes
    ? new AppError('invalid-message', `the key is ${bytes} bytes, more than ${maxKeyBytes}`)
    : undefined;
}

/**
 * The most headers a record of the service's topics may carry, and their largest total: the service writes
 * fewer than twenty (a dead letter's reason with the original's own), of a few hundred bytes in all.
 */
export const maxHeaders = 64;
export const maxHeaderBytes = 16_384;

/** Why a record's headers are refused, or undefined when they are within bounds. */
export function headersProblem(headers: Readonly<Record<string, string>>): AppError | undefined {
  const names = Object.keys(headers);
  if (names.length > maxHeaders)
    return new AppError('invalid-message', `the record has ${names.length} headers, more than ${maxHeaders}`);
  let bytes = 0;
  for (const name of names) bytes += Buffer.byteLength(name) + Buffer.byteLength(headers[name] ?? '');
  return bytes > maxHeaderBytes
    ? new AppError('invalid-message', `the record's headers are ${bytes} bytes, more than ${maxHeaderBytes}`)
    : undefined;
}

/** Why a record is refused before it is decoded (a key or headers no writer of the service makes), if it is. */
export function recordProblem(message: {
  readonly key: string | null;
  readonly headers: Readonly<Record<string, string>>;
}): AppError | undefined {
  return keyProblem(message.key) ?? headersProblem(message.headers);
}

/** A key that may be logged, reported and produced: the key itself within bounds, else none. */
export function boundedKey(key: string | null): string | null {
  return keyProblem(key) ? null : key;
}
