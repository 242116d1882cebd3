import { UnavailableError } from '../../../server/src/errors/pipeline-errors';
import unavailableAs503 from '../../../server/src/middlewares/unavailable-as-503';

describe('unavailable-as-503 middleware', () => {
  const run = (error: Error) => unavailableAs503()({}, async () => Promise.reject(error));

  it('turns a dependency that is down into a 503 with the reason', async () => {
    const error = await run(new UnavailableError('Milvus search failed: 4 DEADLINE_EXCEEDED')).catch((e: unknown) => e);
    // http-errors' classes defeat instanceof; Strapi's error middleware reads status and name.
    expect(error).toMatchObject({ name: 'ServiceUnavailableError', status: 503, message: expect.stringContaining('DEADLINE_EXCEEDED') });
  });

  it('lets other errors through unchanged', async () => {
    const other = new Error('a bug');
    await expect(run(other)).rejects.toBe(other);
  });
});
