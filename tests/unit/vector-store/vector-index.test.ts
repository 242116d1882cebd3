import { PipelineError } from '../../../server/src/errors/pipeline-errors';
import { searchParams } from '../../../server/src/vector-store/collection';
import { createVectorIndex, probeDiskAnn } from '../../../server/src/vector-store/vector-index';
import { config, fakeMilvus } from './fake-milvus';

describe('vector index', () => {
  it('raises HNSW ef and DISKANN search_list to the requested window, and leaves the others alone', () => {
    expect(searchParams(config({ type: 'HNSW' }).milvus.index, 10)).toEqual({ ef: 64 });
    expect(searchParams(config({ type: 'HNSW' }).milvus.index, 500)).toEqual({ ef: 500 });
    expect(searchParams(config({ type: 'DISKANN' }).milvus.index, 10)).toEqual({ search_list: 100 });
    expect(searchParams(config({ type: 'DISKANN' }).milvus.index, 250)).toEqual({ search_list: 250 });
    expect(searchParams(config({ type: 'DISKANN', searchParams: {} }).milvus.index, 20)).toEqual({ search_list: 100 });
    expect(searchParams(config({ type: 'IVF_SQ8' }).milvus.index, 500)).toEqual({ nprobe: 16 });
  });

  it('creates the configured index with its parameters', async () => {
    const { client, calls } = fakeMilvus();
    await createVectorIndex(client, 'c', config({ type: 'DISKANN' }).milvus.index);
    expect(calls.indexes).toEqual([{ collection_name: 'c', field_name: 'embedding', index_type: 'DISKANN', metric_type: 'COSINE', params: {} }]);
  });

  it('turns a refused DISKANN index into a config error that names the key and what to use instead', async () => {
    const { client } = fakeMilvus({ createIndex: { error_code: 'UnexpectedError', reason: 'invalid index type: DISKANN', retriable: false } });
    const error = await createVectorIndex(client, 'c', config({ type: 'DISKANN' }).milvus.index).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PipelineError);
    expect(error).toMatchObject({ retriable: false });
    expect((error as Error).message).toMatch(/invalid index type: DISKANN.*does not support DiskANN.*milvus\.index\.type to HNSW/);
  });

  it('names the parameters when another index type is refused', async () => {
    const { client } = fakeMilvus({ createIndex: { error_code: 'UnexpectedError', reason: 'nlist out of range: [1, 65536]' } });
    await expect(createVectorIndex(client, 'c', config({ type: 'IVF_FLAT', params: { nlist: 0 } }).milvus.index)).rejects.toThrow(/nlist out of range.*milvus\.index\.params/);
  });

  it('finds DiskANN supported when a test build finishes, and drops the test collection', async () => {
    const { client, calls } = fakeMilvus({ states: ['InProgress', 'Finished'] });
    await expect(probeDiskAnn(client, { prefix: 'p', pollMs: 1 })).resolves.toEqual({ supported: true });
    expect(calls.created).toHaveLength(1);
    expect(calls.created[0]).toMatch(/^p_diskann_probe_/);
    expect(calls.dropped).toEqual(calls.created);
  });

  it('finds DiskANN unsupported when Milvus refuses it, fails the build, or never finishes it', async () => {
    const refused = fakeMilvus({ createIndex: { error_code: 'UnexpectedError', reason: 'invalid index type: DISKANN' } });
    await expect(probeDiskAnn(refused.client, { prefix: 'p' })).resolves.toEqual({ supported: false, reason: 'Milvus refused it: invalid index type: DISKANN' });
    const failed = fakeMilvus({ states: ['Failed'], failReason: 'disk index not enabled' });
    await expect(probeDiskAnn(failed.client, { prefix: 'p' })).resolves.toEqual({ supported: false, reason: 'its build failed: disk index not enabled' });
    // What the PyPI Milvus 2.3.5 does: accepts the index, then retries a failing build forever.
    const stuck = fakeMilvus({ states: ['InProgress'] });
    const support = await probeDiskAnn(stuck.client, { prefix: 'p', timeoutMs: 20, pollMs: 1 });
    expect(support).toMatchObject({ supported: false, reason: expect.stringContaining('had not built it') });
    for (const { calls } of [refused, failed, stuck]) expect(calls.dropped).toEqual(calls.created);
  });

  it('throws what Milvus throws during a probe, and still drops the test collection', async () => {
    const { client, calls } = fakeMilvus();
    const failing = Object.assign(Object.create(null), client, { insert: async () => Promise.reject(new Error('Deadline exceeded')) });
    await expect(probeDiskAnn(failing, { prefix: 'p' })).rejects.toThrow('Deadline exceeded');
    expect(calls.dropped).toEqual(calls.created);
  });
});
