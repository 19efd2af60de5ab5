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

/** A key that may be logged, reported and produced: the key itself within bounds, else none. */
export function boundedKey(key: string | null): string | null {
  return keyProblem(key) ? null : key;
}
