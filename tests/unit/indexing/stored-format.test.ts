import { formatToIndex } from '../../../server/src/indexing/stored-format';

const format = (side: number, ratio = 0.75) => ({ url: `/uploads/${side}.jpg`, width: side, height: Math.round(side * ratio) });
const strapiFormats = { thumbnail: format(208), small: format(500), medium: format(750), large: format(1000) };

describe('the stored format a file is indexed from', () => {
  it('is the smallest whose longer side reaches the working size', () => {
    expect(formatToIndex({ width: 4000, height: 3000, formats: strapiFormats })).toEqual({ name: 'medium', ...strapiFormats.medium });
    // A portrait photo: the longer side is its height.
    const portrait = { small: { url: '/s.jpg', width: 375, height: 500 }, medium: { url: '/m.jpg', width: 563, height: 750 } };
    expect(formatToIndex({ width: 3000, height: 4000, formats: portrait })?.name).toBe('medium');
  });

  it('is none when no format is large enough, or none is smaller than the original', () => {
    expect(formatToIndex({ width: 600, height: 450, formats: { thumbnail: format(208), small: format(500) } })).toBeUndefined();
    expect(formatToIndex({ width: 750, height: 563, formats: { medium: format(750) } })).toBeUndefined();
    expect(formatToIndex({ width: 4000, height: 3000 })).toBeUndefined();
  });

  it('takes a format when the original size is unknown', () => {
    expect(formatToIndex({ width: null, height: null, formats: strapiFormats })?.name).toBe('medium');
  });
});
