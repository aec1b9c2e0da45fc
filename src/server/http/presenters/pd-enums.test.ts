import { describe, expect, it } from 'vitest';
import { splitE164 } from './pd-enums.js';

describe('splitE164', () => {
  it.each([
    ['+14155550100', 1, '4155550100'],
    ['+442071838750', 44, '2071838750'],
    ['+4915112345678', 49, '15112345678'],
    ['+79161234567', 7, '9161234567'],
    ['+353861234567', 353, '861234567'],
    ['+254712345678', 254, '712345678'],
    ['+8613812345678', 86, '13812345678'],
  ])('%s is country code %i, national %s', (e164, cc, national) => {
    expect(splitE164(e164)).toEqual({ country_code: cc, address: national });
  });
  it('refuses what is not E.164', () => {
    expect(splitE164('4155550100')).toBeNull();
    expect(splitE164('+0123456789')).toBeNull();
  });
});
