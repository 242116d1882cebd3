import { silentLogger } from '../../../server/src/utils/logger';
import { connectStore, createMilvusStore } from '../../../server/src/vector-store/milvus-store';
import type { VectorStore } from '../../../server/src/vector-store/types';
import { config } from './fake-milvus';

describe('connecting to Milvus', () => {
  it('starts over with a new client after a failed attempt, and closes the failed one', async () => {
    const failing = {
      ensureCollection: jest.fn().mockRejectedValue(new Error('4 DEADLINE_EXCEEDED: Deadline exceeded')),
      close: jest.fn().mockResolvedValue(undefined),
    } as unknown as VectorStore;
    const held = { store: failing };
    const abort = new AbortController();
    const connected = connectStore(held, config({}).milvus, { id: 'resnet50', dim: 2048 }, { logger: silentLogger, signal: abort.signal });
    await new Promise((resolve) => setImmediate(resolve));
    expect(held.store).not.toBe(failing);
    expect(failing.close).toHaveBeenCalledTimes(1);
    abort.abort();
    expect(await connected).toBe(false);
    await held.store.close();
  });

  it('answers true once the collection is ready', async () => {
    const ready = { ensureCollection: jest.fn().mockResolvedValue(undefined) } as unknown as VectorStore;
    const held = { store: ready };
    expect(await connectStore(held, config({}).milvus, { id: 'resnet50', dim: 2048 }, { logger: silentLogger, signal: new AbortController().signal })).toBe(true);
    expect(held.store).toBe(ready);
  });

  it('closes a client whose handshake is still retrying without throwing from its timers', async () => {
    // Nothing listens there: the handshake fails at once and the client retries it on a timer.
    const store = createMilvusStore({ ...config({}).milvus, address: '127.0.0.1:9' }, { id: 'resnet50', dim: 2048 });
    const thrown: unknown[] = [];
    const onUncaught = (error: unknown) => thrown.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await store.close();
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(thrown).toEqual([]);
  });
});
