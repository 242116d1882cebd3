import { errorMessage } from '../errors/pipeline-errors';
import { loadExtractor } from './extractor';
import type { ModelReply, ModelRequest } from './extractor-process';
import type { ModelSpec } from './models';

/** The model process's side (see extractor-process.ts): loads the model, then answers one request at a time. */

const send = (reply: ModelReply) => process.send!(reply);
// Strapi stopped or died: nothing is left to answer.
process.on('disconnect', () => process.exit(0));

loadExtractor(JSON.parse(process.argv[2]) as ModelSpec).then(
  (extractor) => {
    process.on('message', (request: ModelRequest) => {
      const work =
        'fit' in request
          ? extractor.fitWhitening(request.fit)
          : extractor.extract(request.images.map((image) => Buffer.from(image.buffer, image.byteOffset, image.byteLength)));
      work.then(
        (result) => send({ id: request.id, result }),
        (error) => send({ id: request.id, error: errorMessage(error) })
      );
    });
    send({ ready: true });
  },
  (error) => send({ failed: errorMessage(error) })
);
