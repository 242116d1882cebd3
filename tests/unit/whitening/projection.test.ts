import { identitySpace, projectionId, spaceOf, toSpace, type Projection } from '../../../server/src/whitening/projection';

/** A 2-d projection of 3-d vectors: centred on (1, 0, 0), then x and z swapped into the two outputs. */
const projection = (matrix = [0, 0, 1, 1, 0, 0]): Projection => {
  const mean = new Float32Array([1, 0, 0]);
  const rows = new Float32Array(matrix);
  return {
    id: projectionId('m', mean, rows),
    modelId: 'm',
    inputDim: 3,
    dim: 2,
    mean,
    matrix: rows,
    thresholds: { duplicate: 0.4, search: 0.2 },
    fittedOn: { images: 100, pairs: 600, at: '2026-12-05T00:00:00.000Z' },
  };
};

describe('spaces', () => {
  it('leaves vectors as they are in the model\'s own space', () => {
    const vector = [0.6, 0.8];
    const moved = toSpace(identitySpace(2), vector);
    expect(moved).toEqual(vector);
    expect(moved).not.toBe(vector);
  });

  it('centres, projects and L2-normalizes in a learned space', () => {
    const space = spaceOf(projection());
    // (4, 5, 3) - mean = (3, 5, 3); rows pick z and x: (3, 3), normalized.
    const [a, b] = toSpace(space, [4, 5, 3]);
    expect(a).toBeCloseTo(Math.SQRT1_2, 6);
    expect(b).toBeCloseTo(Math.SQRT1_2, 6);
    expect(space).toMatchObject({ dim: 2, thresholds: { duplicate: 0.4, search: 0.2 } });
  });

  it('refuses a vector of another model, rather than projecting garbage', () => {
    expect(() => toSpace(spaceOf(projection()), [1, 2])).toThrow('takes 3-d vectors, not 2-d');
  });

  it('names a projection by what it computes', () => {
    expect(projection().id).toMatch(/^w[0-9a-f]{12}$/);
    expect(projection().id).toBe(projection().id);
    expect(projection([0, 1, 0, 1, 0, 0]).id).not.toBe(projection().id);
  });
});
