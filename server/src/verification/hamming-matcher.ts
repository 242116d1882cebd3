import { HAMMING_WASM } from './hamming-wasm';
import { DESCRIPTOR_BYTES } from './local-features';

/**
 * The two closest binary descriptors by Hamming distance, for the ratio test. OpenCV's BFMatcher does the same in
 * its WebAssembly build, without the processor's popcount, and hands each match back through an embind object:
 * about 10 ms for 600 × 600 descriptors, where this kernel (hamming.wat) takes under 1 ms with the same answers.
 */

const PAGE = 65_536;
/** Bytes written per query: the closest index, its distance, the second distance (i32 each). */
const RESULT_BYTES = 12;

interface Kernel {
  memory: WebAssembly.Memory;
  nearestTwo(query: number, queries: number, train: number, trains: number, out: number): void;
}

let kernel: Kernel | undefined;

function load(): Kernel {
  kernel ??= new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(HAMMING_WASM, 'base64'))).exports as unknown as Kernel;
  return kernel;
}

/**
 * For each descriptor of `query` (DESCRIPTOR_BYTES each): the index of its closest in `train`, that distance and
 * the second smallest, as consecutive triples. `train` must hold at least two descriptors.
 */
export function nearestTwo(query: Uint8Array, train: Uint8Array): Int32Array {
  const { memory, nearestTwo: run } = load();
  const queries = query.length / DESCRIPTOR_BYTES;
  const out = query.length + train.length;
  const needed = out + queries * RESULT_BYTES;
  if (memory.buffer.byteLength < needed) memory.grow(Math.ceil((needed - memory.buffer.byteLength) / PAGE));
  const bytes = new Uint8Array(memory.buffer);
  bytes.set(query, 0);
  bytes.set(train, query.length);
  run(0, queries, query.length, train.length / DESCRIPTOR_BYTES, out);
  return new Int32Array(memory.buffer.slice(out, needed));
}
