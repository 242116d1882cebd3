import { fitsMediaField, mimeMatches } from '../../../server/src/similarity/mime';

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

describe('fitsMediaField, by the Content Manager rule', () => {
  it.each([
    ['image/png', ['images'], true],
    ['image/svg+xml', ['images'], true],
    ['application/pdf', ['images'], false],
    ['application/pdf', ['files'], true],
    ['image/png', ['files', 'videos'], false],
    ['video/mp4', ['files', 'videos'], true],
    ['audio/mpeg', ['images', 'videos'], false],
    [null, ['files'], true],
    [null, ['images'], false],
    ['image/png', null, true],
    ['application/pdf', undefined, true],
  ] as const)('%s in a field taking %j: %s', (mime, allowedTypes, expected) => {
    expect(fitsMediaField(mime, allowedTypes as readonly string[] | null | undefined)).toBe(expected);
  });
});
