import {
  UNATTACHED_PARTITION,
  contentTypeForPartition,
  partitionForContentType,
  partitionsForFile,
  vectorRowId,
} from '../../../server/src/vector-store/partitions';

describe('partition names', () => {
  const uids = ['api::article.article', 'api::blog-post.blog-post', 'plugin::users-permissions.user', 'api::a1.b2'];

  it.each(uids)('maps %s to a valid Milvus partition name and back', (uid) => {
    const name = partitionForContentType(uid);
    expect(name).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
    expect(name.length).toBeLessThanOrEqual(255);
    expect(contentTypeForPartition(name)).toBe(uid);
  });

  it('keeps distinct UIDs distinct, even ones that differ only in punctuation', () => {
    const names = ['api::a.b-c', 'api::a.b.c', 'api::a-b.c', 'api::ab.c'].map(partitionForContentType);
    expect(new Set(names).size).toBe(4);
  });

  it('never collides with the partition of unattached media', () => {
    expect(contentTypeForPartition(UNATTACHED_PARTITION)).toBeNull();
    expect(uids.map(partitionForContentType)).not.toContain(UNATTACHED_PARTITION);
  });

  it('puts a file used by no content type in the unattached partition, otherwise one partition per content type', () => {
    expect(partitionsForFile([])).toEqual([UNATTACHED_PARTITION]);
    expect(partitionsForFile(['api::page.page', 'api::article.article', 'api::page.page'])).toEqual([
      partitionForContentType('api::article.article'),
      partitionForContentType('api::page.page'),
    ]);
  });

  it('gives each (file, partition) one deterministic row id', () => {
    expect(vectorRowId(42, 'unattached')).toBe('42:unattached');
    expect(vectorRowId(42, partitionForContentType('api::article.article'))).toBe('42:ct_api_3a_3aarticle_2earticle');
  });
});
