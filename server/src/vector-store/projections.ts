import { DataType, type MilvusClient } from '@zilliz/milvus2-sdk-node';
import { PipelineError } from '../errors/pipeline-errors';
import type { Projection } from '../whitening/projection';
import { check, failedUnlessExists, type MilvusConfig } from './collection';
import type { ProjectionStore } from './types';

/**
 * The learned projections, in Milvus beside the indexes they built: standalone workers reach Kafka and Milvus only,
 * and each must project what it writes the way its collection was built. One collection per model
 * (`<prefix>_<model id>_projections`); a projection is a row per matrix row plus one for the mean, which also
 * holds its thresholds and what it was fitted on. Projections never change, so each is read once per process.
 */

const FIELDS = { pk: 'pk', projection: 'projection', row: 'row', meta: 'meta', values: 'values' } as const;
const MEAN_ROW = -1;
/** Rows per insert or query: each row is inputDim floats (8 KB at 2048-d). */
const ROWS_PER_CALL = 128;

export function projectionsCollection(prefix: string, modelId: string): string {
  return `${prefix}_${modelId}_projections`;
}

type Meta = Pick<Projection, 'modelId' | 'dim' | 'thresholds' | 'fittedOn'>;

export function createProjectionStore(client: MilvusClient, config: MilvusConfig, model: { id: string; dim: number }): ProjectionStore {
  const collection = projectionsCollection(config.collectionPrefix, model.id);
  const loaded = new Map<string, Promise<Projection>>();
  let ready: Promise<void> | undefined;

  async function create(): Promise<void> {
    const has = await client.hasCollection({ collection_name: collection });
    check(has.status, 'hasCollection');
    if (!has.value) {
      failedUnlessExists(
        await client.createCollection({
          collection_name: collection,
          description: `strapi-plugin-image-search learned projections of model ${model.id}`,
          fields: [
            { name: FIELDS.pk, data_type: DataType.VarChar, is_primary_key: true, autoID: false, max_length: 64 },
            { name: FIELDS.projection, data_type: DataType.VarChar, max_length: 32 },
            { name: FIELDS.row, data_type: DataType.Int64 },
            { name: FIELDS.meta, data_type: DataType.VarChar, max_length: 4096 },
            { name: FIELDS.values, data_type: DataType.FloatVector, dim: model.dim },
          ],
        }),
        'createCollection'
      );
      // Milvus loads a collection only once its vector field has an index; these rows are never searched.
      failedUnlessExists(await client.createIndex({ collection_name: collection, field_name: FIELDS.values, index_type: 'FLAT', metric_type: 'IP', params: {} }), 'createIndex');
    }
    check(await client.loadCollectionSync({ collection_name: collection }), 'loadCollection');
  }
  const ensured = () => {
    ready ??= create().catch((error) => {
      ready = undefined;
      throw error;
    });
    return ready;
  };

  async function read(id: string): Promise<Projection> {
    await ensured();
    const rows: Array<Record<string, unknown>> = [];
    for (let low = MEAN_ROW; ; low += ROWS_PER_CALL) {
      const res = await client.query({
        collection_name: collection,
        expr: `${FIELDS.projection} == "${id}" && ${FIELDS.row} >= ${low} && ${FIELDS.row} < ${low + ROWS_PER_CALL}`,
        output_fields: [FIELDS.row, FIELDS.meta, FIELDS.values],
        consistency_level: 'Strong' as never,
      });
      check(res.status, 'query');
      rows.push(...res.data);
      if (res.data.length < ROWS_PER_CALL) break;
    }
    const mean = rows.find((row) => Number(row[FIELDS.row]) === MEAN_ROW);
    if (!mean) throw new PipelineError(`projection ${id} is missing from ${collection}: rebuild the index`, false);
    const meta = JSON.parse(String(mean[FIELDS.meta])) as Meta;
    const matrix = new Float32Array(meta.dim * model.dim);
    for (const row of rows) {
      const index = Number(row[FIELDS.row]);
      if (index >= 0) matrix.set(row[FIELDS.values] as number[], index * model.dim);
    }
    if (rows.length !== meta.dim + 1) throw new PipelineError(`projection ${id} in ${collection} has ${rows.length - 1} of its ${meta.dim} rows: rebuild the index`, false);
    return { id, inputDim: model.dim, mean: Float32Array.from(mean[FIELDS.values] as number[]), matrix, ...meta };
  }

  return {
    async save(projection) {
      await ensured();
      const { id, dim, mean, matrix, modelId, thresholds, fittedOn } = projection;
      const meta: Meta = { modelId, dim, thresholds, fittedOn };
      const rows = [
        { [FIELDS.pk]: `${id}/mean`, [FIELDS.projection]: id, [FIELDS.row]: MEAN_ROW, [FIELDS.meta]: JSON.stringify(meta), [FIELDS.values]: Array.from(mean) },
        ...Array.from({ length: dim }, (_, r) => ({
          [FIELDS.pk]: `${id}/${r}`,
          [FIELDS.projection]: id,
          [FIELDS.row]: r,
          [FIELDS.meta]: '',
          [FIELDS.values]: Array.from(matrix.subarray(r * model.dim, (r + 1) * model.dim)),
        })),
      ];
      for (let start = 0; start < rows.length; start += ROWS_PER_CALL) {
        const res = await client.upsert({ collection_name: collection, data: rows.slice(start, start + ROWS_PER_CALL) });
        check(res.status, 'upsert');
      }
      loaded.set(id, Promise.resolve(projection));
    },

    load(id) {
      if (!loaded.has(id)) {
        const reading = read(id);
        loaded.set(id, reading);
        reading.catch(() => loaded.delete(id));
      }
      return loaded.get(id)!;
    },

    async keepOnly(ids) {
      await ensured();
      const kept = ids.map((id) => JSON.stringify(id)).join(', ');
      const res = await client.deleteEntities({ collection_name: collection, expr: ids.length > 0 ? `${FIELDS.projection} not in [${kept}]` : `${FIELDS.row} >= ${MEAN_ROW}` });
      check(res.status, 'delete');
      for (const id of loaded.keys()) if (!ids.includes(id)) loaded.delete(id);
    },
  };
}
