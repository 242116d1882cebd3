import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { PipelineError } from '../../../server/src/errors/pipeline-errors';
import { createProjectionStore } from '../../../server/src/vector-store/projections';
import { projectionId, type Projection } from '../../../server/src/whitening/projection';
import { config, ok } from './fake-milvus';

/** A Milvus holding rows in memory, answering the queries the projection store makes. */
function rowsMilvus() {
  let rows: Array<Record<string, unknown>> = [];
  const calls = { created: 0, queries: 0 };
  const client = {
    hasCollection: async () => ({ status: ok, value: calls.created > 0 }),
    createCollection: async () => (calls.created++, ok),
    createIndex: async () => ok,
    loadCollectionSync: async () => ok,
    upsert: async ({ data }: { data: Array<Record<string, unknown>> }) => {
      rows = [...rows.filter((row) => !data.some((added) => added.pk === row.pk)), ...data];
      return { status: ok };
    },
    query: async ({ expr }: { expr: string }) => {
      calls.queries++;
      const [, id, low, high] = /projection == "(\w+)" && row >= (-?\d+) && row < (-?\d+)/.exec(expr)!;
      return { status: ok, data: rows.filter((row) => row.projection === id && Number(row.row) >= Number(low) && Number(row.row) < Number(high)) };
    },
    deleteEntities: async ({ expr }: { expr: string }) => {
      const kept = [...expr.matchAll(/"(\w+)"/g)].map((match) => match[1]);
      rows = rows.filter((row) => kept.includes(String(row.projection)));
      return { status: ok };
    },
  };
  return { client: client as unknown as MilvusClient, calls, rows: () => rows };
}

const MODEL = { id: 'resnet50_gem', dim: 8 };

function projection(seed: number): Projection {
  const mean = Float32Array.from({ length: 8 }, (_, i) => i * seed);
  const matrix = Float32Array.from({ length: 3 * 8 }, (_, i) => Math.sin(i + seed));
  return { id: projectionId(MODEL.id, mean, matrix), modelId: MODEL.id, inputDim: 8, dim: 3, mean, matrix, thresholds: { duplicate: 0.41, search: 0.2 }, fittedOn: { images: 400, pairs: 2400, at: '2026-12-05T00:00:00.000Z' } };
}

describe('projection store', () => {
  const milvusConfig = config({}).milvus;

  it('keeps a projection in Milvus, row by row, and reads it back whole in another process', async () => {
    const milvus = rowsMilvus();
    const saved = projection(1);
    await createProjectionStore(milvus.client, milvusConfig, MODEL).save(saved);
    expect(milvus.rows()).toHaveLength(4);
    const loaded = await createProjectionStore(milvus.client, milvusConfig, MODEL).load(saved.id);
    expect(loaded).toEqual(saved);
  });

  it('reads a projection once per process', async () => {
    const milvus = rowsMilvus();
    const saved = projection(2);
    await createProjectionStore(milvus.client, milvusConfig, MODEL).save(saved);
    const store = createProjectionStore(milvus.client, milvusConfig, MODEL);
    await Promise.all([store.load(saved.id), store.load(saved.id)]);
    const queries = milvus.calls.queries;
    await store.load(saved.id);
    expect(milvus.calls.queries).toBe(queries);
  });

  it('refuses a projection that is missing or incomplete, naming the fix, and tries again next time', async () => {
    const milvus = rowsMilvus();
    const store = createProjectionStore(milvus.client, milvusConfig, MODEL);
    await expect(store.load('w000000000000')).rejects.toThrow(PipelineError);
    await expect(store.load('w000000000000')).rejects.toThrow('rebuild the index');
  });

  it('drops every projection but the ones kept', async () => {
    const milvus = rowsMilvus();
    const store = createProjectionStore(milvus.client, milvusConfig, MODEL);
    const [kept, dropped] = [projection(3), projection(4)];
    await store.save(kept);
    await store.save(dropped);
    await store.keepOnly([kept.id]);
    expect(new Set(milvus.rows().map((row) => row.projection))).toEqual(new Set([kept.id]));
  });
});
