import { PipelineError } from '../../../server/src/errors/pipeline-errors';
import { silentLogger } from '../../../server/src/utils/logger';
import { retryUntilReady } from '../../../server/src/utils/retry';

describe('retryUntilReady', () => {
  it('retries until the task succeeds', async () => {
    let calls = 0;
    const task = async () => {
      if (++calls < 2) throw new PipelineError('Milvus is down', true);
      return 'ready';
    };
    await expect(retryUntilReady('connecting', task, { logger: silentLogger, signal: new AbortController().signal })).resolves.toBe('ready');
    expect(calls).toBe(2);
  });

  it('throws a non-retriable error at once: retrying cannot fix a refused config', async () => {
    let calls = 0;
    const task = async () => {
      calls++;
      throw new PipelineError('Milvus refused a DISKANN index', false);
    };
    await expect(retryUntilReady('connecting', task, { logger: silentLogger, signal: new AbortController().signal })).rejects.toThrow('refused');
    expect(calls).toBe(1);
  });
});
