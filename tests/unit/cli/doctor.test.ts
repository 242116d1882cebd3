import { checkCpu, formatFinding } from '../../../server/src/doctor';

describe('doctor', () => {
  it('finds AVX2 in the CPU flags, and says what to do without it', () => {
    expect(checkCpu('processor : 0\nflags : fpu sse4_2 avx avx2 fma\n')).toMatchObject({ ok: true, detail: 'AVX2 present' });
    const old = checkCpu('processor : 0\nflags : fpu sse4_2 avx\n');
    expect(old).toMatchObject({ ok: false, detail: expect.stringContaining('no AVX2') });
    expect(formatFinding(old)).toMatch(/^FAIL {2}CPU: no AVX2.*\n {8}fix: run the workers and Milvus on x86-64 machines with AVX2/);
    expect(checkCpu(null)).toMatchObject({ ok: true, detail: expect.stringContaining('skipped') });
  });
});
