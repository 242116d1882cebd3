import { HAMMING_WASM } from '../../../server/src/verification/hamming-wasm';
import { nearestTwo } from '../../../server/src/verification/hamming-matcher';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { compile } = require('../../../scripts/build-hamming-wasm.js') as { compile(): Promise<Buffer> };

const BYTES = 32;

function randomDescriptors(count: number, seed: number): Uint8Array {
  const descriptors = new Uint8Array(count * BYTES);
  let state = seed;
  for (let i = 0; i < descriptors.length; i++) {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    descriptors[i] = state >>> 24;
  }
  return descriptors;
}

/** The two closest by Hamming distance, a tie keeping the earlier index: what OpenCV's BFMatcher answers. */
function reference(query: Uint8Array, train: Uint8Array): number[] {
  const answer: number[] = [];
  for (let q = 0; q < query.length / BYTES; q++) {
    let [index, first, second] = [-1, Infinity, Infinity];
    for (let t = 0; t < train.length / BYTES; t++) {
      let distance = 0;
      for (let k = 0; k < BYTES; k++) for (let bits = query[q * BYTES + k] ^ train[t * BYTES + k]; bits; bits &= bits - 1) distance++;
      if (distance < first) [index, first, second] = [t, distance, first];
      else if (distance < second) second = distance;
    }
    answer.push(index, first, second);
  }
  return answer;
}

describe('Hamming matcher', () => {
  it('ships the module that hamming.wat compiles to', async () => {
    expect(HAMMING_WASM).toBe((await compile()).toString('base64'));
  });

  it('finds the closest and second-closest descriptors, a tie keeping the earlier one', () => {
    const query = randomDescriptors(50, 1);
    const train = randomDescriptors(80, 2);
    train.set(query.subarray(0, BYTES), 10 * BYTES); // an exact match...
    train.set(query.subarray(0, BYTES), 40 * BYTES); // ...twice: index 10 wins, the second distance is 0
    const nearest = Array.from(nearestTwo(query, train));
    expect(nearest).toEqual(reference(query, train));
    expect(nearest.slice(0, 3)).toEqual([10, 0, 0]);
  });

  it('takes more descriptors than its first memory page holds', () => {
    const query = randomDescriptors(1500, 3);
    const train = randomDescriptors(1200, 4);
    expect(Array.from(nearestTwo(query, train))).toEqual(reference(query, train));
  });
});
