import type { Core } from '@strapi/strapi';
import knex, { type Knex } from 'knex';
import { createMediaUsage } from '../../../server/src/strapi-data/media-usage';

/**
 * Strapi 5's tables for a small schema, in an in-memory SQLite: a page with a cover, an SEO component and a dynamic
 * zone whose gallery nests the SEO component again; an article with an image; a tag without media.
 */
const SCHEMAS = {
  contentTypes: {
    'api::page.page': {
      attributes: {
        title: { type: 'string' },
        publishedAt: { type: 'datetime' },
        cover: { type: 'media' },
        seo: { type: 'component', component: 'shared.seo' },
        sections: { type: 'dynamiczone', components: ['blocks.gallery'] },
      },
    },
    'api::article.article': { attributes: { title: { type: 'string' }, image: { type: 'media' } } },
    'api::tag.tag': { attributes: { title: { type: 'string' } } },
    'plugin::upload.file': { attributes: { related: { type: 'relation' } } },
  },
  components: {
    'shared.seo': { attributes: { image: { type: 'media' } } },
    'blocks.gallery': { attributes: { seo: { type: 'component', component: 'shared.seo' } } },
  },
};

const TABLES: Record<string, string> = {
  'api::page.page': 'pages',
  'api::article.article': 'articles',
  'api::tag.tag': 'tags',
  'shared.seo': 'components_shared_seos',
  'blocks.gallery': 'components_blocks_galleries',
};

const componentJoin = (table: string, field: string) => ({ name: table, joinColumn: { name: 'entity_id' }, inverseJoinColumn: { name: 'cmp_id' }, on: { field } });
const zoneJoin = (table: string, field: string) => ({
  name: table,
  joinColumn: { name: 'entity_id' },
  morphColumn: { typeColumn: { name: 'component_type' }, idColumn: { name: 'cmp_id' } },
  on: { field },
});
const JOIN_TABLES: Record<string, Record<string, object>> = {
  'plugin::upload.file': { related: { name: 'files_related_mph', joinColumn: { name: 'file_id' }, morphColumn: { typeColumn: { name: 'related_type' }, idColumn: { name: 'related_id' } } } },
  'api::page.page': { seo: componentJoin('pages_cmps', 'seo'), sections: zoneJoin('pages_cmps', 'sections') },
  'blocks.gallery': { seo: componentJoin('components_blocks_galleries_cmps', 'seo') },
};

async function createDatabase(): Promise<Knex> {
  const db = knex({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
  for (const table of ['pages', 'articles', 'tags']) {
    await db.schema.createTable(table, (t) => {
      t.increments('id');
      t.string('documentId');
      t.string('title');
      t.datetime('publishedAt').nullable();
    });
  }
  for (const table of ['components_shared_seos', 'components_blocks_galleries']) await db.schema.createTable(table, (t) => t.increments('id'));
  for (const table of ['pages_cmps', 'components_blocks_galleries_cmps']) {
    await db.schema.createTable(table, (t) => {
      t.increments('id');
      t.integer('entity_id');
      t.integer('cmp_id');
      t.string('component_type');
      t.string('field');
    });
  }
  await db.schema.createTable('files_related_mph', (t) => {
    t.increments('id');
    t.integer('file_id');
    t.integer('related_id');
    t.string('related_type');
    t.string('field');
  });

  // Page p1: a draft (row 1) and its published version (row 2). Article a1: one published row.
  await db('pages').insert([
    { id: 1, documentId: 'p1', title: 'Home', publishedAt: null },
    { id: 2, documentId: 'p1', title: 'Home', publishedAt: new Date() },
  ]);
  await db('articles').insert({ id: 1, documentId: 'a1', title: 'Launch' });
  await db('tags').insert({ id: 1, documentId: 't1', title: 'News' });
  await db('components_blocks_galleries').insert({ id: 1 });
  await db('components_shared_seos').insert([{ id: 1 }, { id: 2 }]);
  await db('pages_cmps').insert([
    { entity_id: 1, cmp_id: 1, component_type: 'blocks.gallery', field: 'sections' },
    { entity_id: 2, cmp_id: 2, component_type: 'shared.seo', field: 'seo' },
  ]);
  await db('components_blocks_galleries_cmps').insert({ entity_id: 1, cmp_id: 1, component_type: 'shared.seo', field: 'seo' });
  await db('files_related_mph').insert([
    // File 1: the cover of both versions; file 4 is also the draft's cover (a field holding two files).
    { file_id: 1, related_id: 1, related_type: 'api::page.page', field: 'cover' },
    { file_id: 1, related_id: 2, related_type: 'api::page.page', field: 'cover' },
    { file_id: 4, related_id: 1, related_type: 'api::page.page', field: 'cover' },
    // File 2: two components deep, in the draft's dynamic zone.
    { file_id: 2, related_id: 1, related_type: 'shared.seo', field: 'image' },
    // File 3: the article's image, and the published page's SEO image.
    { file_id: 3, related_id: 1, related_type: 'api::article.article', field: 'image' },
    { file_id: 3, related_id: 2, related_type: 'shared.seo', field: 'image' },
  ]);
  return db;
}

/** What the media-usage code reads of Strapi: the schemas, the database metadata, the connection and queries. */
function fakeStrapi(db: Knex): Core.Strapi {
  return {
    ...SCHEMAS,
    db: {
      connection: db,
      metadata: { get: (uid: string) => ({ attributes: Object.fromEntries(Object.entries(JOIN_TABLES[uid] ?? {}).map(([name, joinTable]) => [name, { joinTable }])) }) },
      query: (uid: string) => ({
        findMany: ({ where, select }: { where: { id?: { $in: number[] }; documentId?: string }; select: string[] }) => {
          const rows = db(TABLES[uid]).select(select);
          return where.id ? rows.whereIn('id', where.id.$in) : rows.where({ documentId: where.documentId });
        },
      }),
    },
    // The Content Manager shows pages and articles by title.
    plugin: () => ({ service: () => ({ findConfiguration: async () => ({ settings: { mainField: 'title' } }) }) }),
  } as unknown as Core.Strapi;
}

describe('media usage', () => {
  let db: Knex;
  beforeEach(async () => {
    db = await createDatabase();
  });
  afterEach(() => db.destroy());

  it('lists the entry rows using each file, through components and dynamic zones at any depth', async () => {
    const usage = createMediaUsage(fakeStrapi(db));
    const found = await usage.entriesUsingFiles([1, 2, 3, 5]);
    expect(found.get(1)).toEqual([
      { contentType: 'api::page.page', documentId: 'p1', title: 'Home', field: 'cover', status: 'draft', locale: null },
      { contentType: 'api::page.page', documentId: 'p1', title: 'Home', field: 'cover', status: 'published', locale: null },
    ]);
    expect(found.get(2)).toEqual([{ contentType: 'api::page.page', documentId: 'p1', title: 'Home', field: 'sections.seo.image', status: 'draft', locale: null }]);
    expect(found.get(3)?.map((use) => `${use.contentType} ${use.field} ${use.status}`)).toEqual(['api::article.article image published', 'api::page.page seo.image published']);
    expect(found.get(5)).toEqual([]);
  });

  it('names the content types holding a file, the files of a document, and the media attributes holding files', async () => {
    const usage = createMediaUsage(fakeStrapi(db));
    expect(await usage.contentTypesUsingFile(2)).toEqual(['api::page.page']);
    expect(await usage.contentTypesUsingFile(3)).toEqual(['api::article.article', 'api::page.page']);
    expect(await usage.contentTypesUsingFile(9)).toEqual([]);
    expect(await usage.filesOfDocument('api::page.page', 'p1')).toEqual(new Set([1, 2, 3, 4]));
    expect(await usage.filesOfDocument('api::page.page', 'missing')).toEqual(new Set());
    expect(await usage.mediaSlots([2])).toEqual([{ fileId: 2, model: 'shared.seo', attribute: 'image' }]);
    expect(usage.hasMediaAttributes('api::page.page')).toBe(true);
    expect(usage.hasMediaAttributes('api::tag.tag')).toBe(false);
    expect(usage.hasMediaAttributes('shared.seo')).toBe(false);
  });

  it('re-points every reference in one transaction, merging where the field already holds the keeper', async () => {
    const usage = createMediaUsage(fakeStrapi(db));
    expect(await usage.repointFile(1, 4)).toBe(2);
    const covers = await db('files_related_mph').where({ field: 'cover' }).orderBy('related_id').select('file_id', 'related_id');
    expect(covers).toEqual([
      { file_id: 4, related_id: 1 },
      { file_id: 4, related_id: 2 },
    ]);
    expect((await usage.entriesUsingFiles([1])).get(1)).toEqual([]);
  });
});
