import { isAccreditedProgramme } from '../../src/delius/iaps.ts';

describe('accredited programme requirements (I1, truth table I2)', () => {
  it.each([
    [null, null, null, false],
    ['7', null, 'RS66', false],
    ['7', null, null, true],
    ['RM38', null, null, true],
    ['RM38', null, 'RS66', true],
    [null, '7', null, true],
    [null, '7', 'RS66', true],
    [null, 'RM38', null, true],
    [null, 'RM38', 'RS66', true],
    ['W', null, null, false],
    ['7', null, 'RS10', true],
  ])('main %s, additional %s, sub-category %s: %s', (main, additional, sub, expected) => {
    expect(isAccreditedProgramme({ main, additional, sub })).toBe(expected);
  });
});
