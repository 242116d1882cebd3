import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../errors/pipeline-errors';
import { loadExtractor } from './extractor';
import type { ThreadReply, ThreadRequest } from './extractor-thread';
import type { ModelSpec } from './models';

/** The model thread's side (see extractor-thread.ts): loads the model, then answers one batch at a time. */

const port = parentPort!;
const send = (reply: ThreadReply) => port.postMessage(reply);

loadExtractor((workerData as { model: ModelSpec }).model).then(
  (extractor) => {
    port.on('message', ({ id, images }: ThreadRequest) => {
      extractor.extract(images.map((image) => Buffer.from(image.buffer, image.byteOffset, image.byteLength))).then(
        (vectors) => send({ id, vectors }),
        (error) => send({ id, error: errorMessage(error) })
      );
    });
    send({ ready: true });
  },
  (error) => send({ failed: errorMessage(error) })
);
