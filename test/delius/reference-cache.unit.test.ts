import { referenceCache } from '../../src/delius/reference-cache.ts';

describe('the reference-data cache', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000;
  });

  it('reads a value once within its time to live and again once it has passed', async () => {
    const cache = referenceCache(60_000, clock);
    let reads = 0;
    const load = () => Promise.resolve({ id: ++reads });
    expect(await cache.get('contact-type:ETOM', load)).toEqual({ id: 1 });
    now += 59_999;
    expect(await cache.get('contact-type:ETOM', load)).toEqual({ id: 1 });
    now += 1;
    expect(await cache.get('contact-type:ETOM', load)).toEqual({ id: 2 });
  });

  it('keeps nothing that was not found, so a code added to Delius is used on the next attempt', async () => {
    const cache = referenceCache(60_000, clock);
    let present = false;
    const load = () => Promise.resolve(present ? { id: 7 } : null);
    expect(await cache.get('transfer-reason:COMPONENT', load)).toBeNull();
    present = true;
    expect(await cache.get('transfer-reason:COMPONENT', load)).toEqual({ id: 7 });
  });

  it('keeps values apart by key and reads every time with a time to live of 0', async () => {
    const cache = referenceCache(0, clock);
    let reads = 0;
    const load = () => Promise.resolve({ id: ++reads });
    await cache.get('a', load);
    await cache.get('a', load);
    expect(reads).toBe(2);
    const kept = referenceCache(1_000, clock);
    expect(await kept.get('a', () => Promise.resolve({ id: 'a' }))).toEqual({ id: 'a' });
    expect(await kept.get('b', () => Promise.resolve({ id: 'b' }))).toEqual({ id: 'b' });
  });
});
