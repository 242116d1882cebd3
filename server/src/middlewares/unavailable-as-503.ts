import { UnavailableError } from '../errors/pipeline-errors';
import { ServiceUnavailableError } from '../errors/http-errors';

/** A dependency that is down (Milvus, Kafka) is the server's temporary state, not a bug: 503 with the reason, never 500. */
export default () => async (_ctx: unknown, next: () => Promise<void>) => {
  try {
    await next();
  } catch (error) {
    if (error instanceof UnavailableError) throw new ServiceUnavailableError(`${error.message}; try again shortly`);
    throw error;
  }
};
