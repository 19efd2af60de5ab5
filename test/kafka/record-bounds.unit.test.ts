import { boundedKey, keyProblem, maxKeyBytes } from '../../src/kafka/record-bounds.ts';

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
