import {
  boundedKey,
  headersProblem,
  keyProblem,
  maxHeaderBytes,
  maxHeaders,
  maxKeyBytes,
  recordProblem,
} from '../../src/kafka/record-bounds.ts';

describe('the bounds of a record key', () => {
  it('takes a CRN, a message id and no key at all', () => {
    for (const key of ['X123456', crypto.randomUUID(), 'm'.repeat(128), null]) {
      expect(keyProblem(key)).toBeUndefined();
      expect(boundedKey(key)).toBe(key);
    }
  });

  it('refuses a key longer than any the service writes, by its length in bytes, and never passes it on', () => {
    const long = 'é'.repeat(maxKeyBytes / 2 + 1);
    expect(keyProblem(long)).toMatchObject({
      code: 'invalid-message',
      retryable: false,
      message: `the key is ${maxKeyBytes + 2} bytes, more than ${maxKeyBytes}`,
    });
    expect(boundedKey(long)).toBeNull();
  });
});

describe('the bounds of a record’s headers', () => {
  const headers = (count: number, size = 1) =>
    Object.fromEntries(Array.from({ length: count }, (_, index) => [`h${index}`, 'x'.repeat(size)]));

  it('takes what the service writes: a dead letter’s reason beside the original’s own headers', () => {
    expect(headersProblem(headers(20, 100))).toBeUndefined();
    expect(headersProblem(headers(maxHeaders))).toBeUndefined();
  });

  it('refuses more headers than the service writes, or more bytes of them', () => {
    expect(headersProblem(headers(maxHeaders + 1))).toMatchObject({
      code: 'invalid-message',
      message: `the record has ${maxHeaders + 1} headers, more than ${maxHeaders}`,
    });
    expect(headersProblem(headers(2, maxHeaderBytes))?.message).toMatch(
      new RegExp(`^the record's headers are \\d+ bytes, more than ${maxHeaderBytes}$`),
    );
  });

  it('refuses a record for its key first, then for its headers', () => {
    expect(recordProblem({ key: 'k'.repeat(maxKeyBytes + 1), headers: headers(100) })?.message).toMatch(
      /key/,
    );
    expect(recordProblem({ key: 'X123456', headers: headers(100) })?.message).toMatch(/headers/);
    expect(recordProblem({ key: 'X123456', headers: headers(3) })).toBeUndefined();
  });
});
