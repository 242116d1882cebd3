import { SEARCH_LIMITS, dismissDuplicatesSchema, fileIdParamSchema, resolveDuplicatesSchema, similarQuerySchema } from '../../../server/src/contracts/http';

const parse = (query: Record<string, unknown>) => similarQuerySchema.safeParse(query);
const firstIssue = (query: Record<string, unknown>) => {
  const result = parse(query);
  if (result.success) throw new Error('expected a validation error');
  return { path: result.error.issues[0].path.join('.'), message: result.error.issues[0].message };
};

describe('similar-search query contract', () => {
  it('applies defaults, leaving the threshold to the config', () => {
    expect(parse({}).data).toEqual({ page: 1, pageSize: SEARCH_LIMITS.defaultPageSize });
  });

  it('reads query-string values and content-type lists in every common shape', () => {
    expect(parse({ page: '2', pageSize: '5', threshold: '0.8', contentType: 'api::article.article' }).data).toEqual({
      page: 2,
      pageSize: 5,
      threshold: 0.8,
      contentType: ['api::article.article'],
    });
    expect(parse({ contentType: ['api::a.a', 'api::b.b'] }).data?.contentType).toEqual(['api::a.a', 'api::b.b']);
    expect(parse({ contentType: 'api::a.a,api::b.b' }).data?.contentType).toEqual(['api::a.a', 'api::b.b']);
  });

  it.each([
    [{ page: '0' }, 'page'],
    [{ page: '-1' }, 'page'],
    [{ page: '1.5' }, 'page'],
    [{ page: 'abc' }, 'page'],
    [{ page: 'Infinity' }, 'page'],
    [{ pageSize: '0' }, 'pageSize'],
    [{ pageSize: String(SEARCH_LIMITS.maxPageSize + 1) }, 'pageSize'],
    [{ threshold: '1.1' }, 'threshold'],
    [{ threshold: '-0.1' }, 'threshold'],
    [{ threshold: 'NaN' }, 'threshold'],
    [{ contentType: 'article' }, 'contentType.0'],
    [{ threshold: '' }, 'threshold'],
    [{ threshold: ' ' }, 'threshold'],
    [{ threshold: [''] }, 'threshold'],
    [{ threshold: ['0.5', '0.6'] }, 'threshold'],
    [{ page: '' }, 'page'],
    [{ pageSize: [''] }, 'pageSize'],
    [{ contentType: ',,,' }, 'contentType'],
    [{ contentType: [''] }, 'contentType'],
    [{ mime: ' , ' }, 'mime'],
    [{ page: '1000', pageSize: '100' }, 'page'],
  ])('rejects %j naming %s', (query, path) => {
    expect(firstIssue(query).path).toBe(path);
  });

  it('rejects unknown parameters', () => {
    expect(parse({ pagesize: '10' }).success).toBe(false);
  });

  it('accepts only positive integer file ids', () => {
    expect(fileIdParamSchema.safeParse({ id: '12' }).data).toEqual({ id: 12 });
    for (const id of ['0', '-3', 'abc', '1e3x', '2.5']) expect(fileIdParamSchema.safeParse({ id }).success).toBe(false);
  });
});

describe('duplicates contracts', () => {
  it('reads a resolve body and refuses a keeper among the discarded copies', () => {
    expect(resolveDuplicatesSchema.safeParse({ keeperId: 1, discardIds: [2, 3] }).success).toBe(true);
    const result = resolveDuplicatesSchema.safeParse({ keeperId: 1, discardIds: [1] });
    expect(result.success || result.error.issues[0]).toMatchObject({ path: ['discardIds'], message: 'discardIds must not contain the keeper' });
  });

  it('needs two files to call "not duplicates", at most the group limit', () => {
    expect(dismissDuplicatesSchema.safeParse({ fileIds: [1] }).success).toBe(false);
    expect(dismissDuplicatesSchema.safeParse({ fileIds: Array.from({ length: SEARCH_LIMITS.maxGroupFiles + 1 }, (_, i) => i + 1) }).success).toBe(false);
    expect(dismissDuplicatesSchema.safeParse({ fileIds: [1, 2] }).success).toBe(true);
  });

  it('reads MIME filters as lists', () => {
    expect(similarQuerySchema.parse({ mime: 'image/png,image/*' }).mime).toEqual(['image/png', 'image/*']);
    expect(similarQuerySchema.safeParse({ mime: 'png' }).success).toBe(false);
  });
});
