import { mimeMatches } from '../../../server/src/search/mime';

describe('mimeMatches', () => {
  it.each([
    ['image/png', undefined, true],
    ['image/png', ['image/png'], true],
    ['image/png', ['image/jpeg'], false],
    ['image/png', ['image/*'], true],
    ['IMAGE/PNG', ['image/png'], true],
    ['video/mp4', ['image/*'], false],
    [null, ['image/*'], false],
  ] as const)('%s against %j: %s', (mime, filter, expected) => {
    expect(mimeMatches(mime, filter as readonly string[] | undefined)).toBe(expected);
  });
});
