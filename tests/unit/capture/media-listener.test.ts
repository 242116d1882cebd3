import { symmetricDifference } from '../../../server/src/capture/entry-listener';
import { isBinaryReplace } from '../../../server/src/capture/media-listener';

describe('media change classification', () => {
  it('treats a new binary as a replace', () => {
    expect(isBinaryReplace({ hash: 'x', size: 1, mime: 'image/png', url: '/uploads/x.png', formats: {} })).toBe(true);
  });

  it('treats an info edit as an update', () => {
    expect(isBinaryReplace({ name: 'cat.jpg', alternativeText: 'a cat', caption: null, folder: 3 })).toBe(false);
    expect(isBinaryReplace(undefined)).toBe(false);
  });
});

describe('entry attachment changes', () => {
  it('reports the files attached or detached, not the ones kept', () => {
    expect(symmetricDifference(new Set([1, 2, 3]), new Set([2, 3, 4])).sort()).toEqual([1, 4]);
    expect(symmetricDifference(new Set([5]), new Set([5]))).toEqual([]);
  });
});
