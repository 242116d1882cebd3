import { checkCpu, checkDiskAnn, checkIndexType, formatFinding } from '../../../server/src/cli/doctor';
import { config, fakeMilvus } from '../vector-store/fake-milvus';

describe('doctor', () => {
  it('finds AVX2 in the CPU flags, and says what to do without it', () => {
    expect(checkCpu('processor : 0\nflags : fpu sse4_2 avx avx2 fma\n')).toMatchObject({ ok: true, detail: 'AVX2 present' });
    const old = checkCpu('processor : 0\nflags : fpu sse4_2 avx\n');
    expect(old).toMatchObject({ ok: false, detail: expect.stringContaining('no AVX2') });
    expect(formatFinding(old)).toMatch(/^FAIL {2}CPU: no AVX2.*\n {8}fix: run the workers and Milvus on x86-64 machines with AVX2/);
    expect(checkCpu(null)).toMatchObject({ ok: true, detail: expect.stringContaining('skipped') });
  });

  it('reports a DiskANN config this Milvus cannot build, with the fix', async () => {
    const stuck = fakeMilvus({ states: ['InProgress'] });
    const finding = await checkDiskAnn(stuck.client, config({ type: 'DISKANN' }), 20);
    expect(finding).toMatchObject({ check: 'DiskANN', ok: false, fix: expect.stringContaining('set milvus.index.type to HNSW') });
    await expect(checkDiskAnn(fakeMilvus().client, config({ type: 'DISKANN' }), 20)).resolves.toMatchObject({ ok: true });
  });

  it('reports a collection built with another index type than the config names', async () => {
    const { client } = fakeMilvus();
    await expect(checkIndexType(client, 'c', config({}))).resolves.toMatchObject({ ok: true, detail: 'HNSW' });
    await expect(checkIndexType(client, 'c', config({ expectedImages: 1000 }))).resolves.toMatchObject({
      ok: false,
      detail: 'built as HNSW, but milvus.index.type is FLAT',
      fix: expect.stringContaining('rebuild'),
    });
  });
});
