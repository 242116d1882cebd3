import { env } from '@strapi/utils';
import { parseConfig } from '../../../server/src/config/schema';

// The demo app's config/plugins.js, evaluated the way Strapi does: with its env helper over process.env.
const plugins = require('../../../playground/config/plugins.js') as (deps: { env: typeof env }) => Record<string, { config: unknown }>;

const VARIABLES = ['IMAGE_SEARCH_INDEX_TYPE', 'IMAGE_SEARCH_EXPECTED_IMAGES'];

function milvusIndexWith(variables: Record<string, string>) {
  const saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));
  try {
    for (const name of VARIABLES) delete process.env[name];
    Object.assign(process.env, variables);
    return parseConfig(plugins({ env })['image-search'].config).milvus.index;
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

describe('demo app plugin config', () => {
  it('keeps the default index when the variables are unset or empty', () => {
    expect(milvusIndexWith({}).type).toBe('HNSW');
    expect(milvusIndexWith({ IMAGE_SEARCH_INDEX_TYPE: '', IMAGE_SEARCH_EXPECTED_IMAGES: '' }).type).toBe('HNSW');
  });

  it('takes the index type, or chooses it from the expected images', () => {
    expect(milvusIndexWith({ IMAGE_SEARCH_INDEX_TYPE: 'IVF_SQ8' })).toMatchObject({ type: 'IVF_SQ8', searchParams: { nprobe: 16 } });
    expect(milvusIndexWith({ IMAGE_SEARCH_EXPECTED_IMAGES: '5000' }).type).toBe('FLAT');
    expect(milvusIndexWith({ IMAGE_SEARCH_EXPECTED_IMAGES: '1e8' }).type).toBe('DISKANN');
  });
});
