import { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { createMilvusStore } from '../../../server/src/vector-store/milvus-store';
import { config, ok } from './fake-milvus';

/** Which collection searches use: the alias is resolved once a second, not on every request. */
describe('the serving collection', () => {
  const described = { status: ok, collectionID: 7, schema: { description: 'vectors' } };
  let describeCollection: jest.SpyInstance;
  let now: jest.SpyInstance;

  beforeEach(() => {
    describeCollection = jest.spyOn(MilvusClient.prototype, 'describeCollection').mockResolvedValue(described as never);
    jest.spyOn(MilvusClient.prototype, 'showCollections').mockResolvedValue({ status: ok, data: [{ id: 7, name: 'images__g1' }] } as never);
    now = jest.spyOn(Date, 'now').mockReturnValue(1_000_000);
  });
  afterEach(() => jest.restoreAllMocks());

  // Nothing listens there: every call Milvus would answer is mocked above.
  const store = () => createMilvusStore({ ...config({}).milvus, address: '127.0.0.1:9' }, { id: 'resnet50', dim: 2048 });

  it('resolves the alias once for the searches of a second, then again', async () => {
    const milvus = store();
    try {
      const first = await milvus.serving();
      expect(first.collection).toBe('images__g1');
      await Promise.all([milvus.serving(), milvus.serving()]);
      expect(describeCollection).toHaveBeenCalledTimes(1);
      now.mockReturnValue(1_001_001);
      await milvus.serving();
      expect(describeCollection).toHaveBeenCalledTimes(2);
    } finally {
      await milvus.close();
    }
  });

  it('keeps no failure: the next search asks Milvus again', async () => {
    describeCollection.mockRejectedValueOnce(new Error('14 UNAVAILABLE: No connection established'));
    const milvus = store();
    try {
      await expect(milvus.serving()).rejects.toThrow('Milvus serving failed: 14 UNAVAILABLE');
      expect((await milvus.serving()).collection).toBe('images__g1');
      expect(describeCollection).toHaveBeenCalledTimes(2);
    } finally {
      await milvus.close();
    }
  });
});
