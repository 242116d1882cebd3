import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../errors/pipeline-errors';
import { createComparer, type ImageRef } from './comparer';
import { createDiskFeatureStore } from './feature-store';
import type { ComparerOptions, ComparerReply, ComparerRequest } from './comparer-thread';

/** The comparing thread's side (see comparer-thread.ts): one pair at a time, features kept between pairs. */

const port = parentPort!;
const { featuresDir } = (workerData ?? {}) as ComparerOptions;
const compare = createComparer(featuresDir ? createDiskFeatureStore(featuresDir) : undefined);
const asBuffer = (ref: ImageRef): ImageRef => ({ ...ref, image: Buffer.from(ref.image.buffer, ref.image.byteOffset, ref.image.byteLength) });

port.on('message', ({ id, a, b }: ComparerRequest) => {
  compare(asBuffer(a), asBuffer(b)).then(
    (verification) => port.postMessage({ id, verification } satisfies ComparerReply),
    (error) => port.postMessage({ id, error: errorMessage(error) } satisfies ComparerReply)
  );
});
