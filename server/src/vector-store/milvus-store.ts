import { setTimeout as delay } from 'node:timers/promises';
import { DataType, ErrorCode } from '@zilliz/milvus2-sdk-node';
import { errorMessage, PipelineError, UnavailableError } from '../errors/pipeline-errors';
import { bindCollection, check, createMilvusClient, failedUnlessExists, FIELDS, type MilvusConfig } from './collection';
import { UNATTACHED_PARTITION } from './partitions';
import type { IndexCollection, VectorStore } from './types';
import { createVectorIndex, diskAnnUnsupported, probeDiskAnn } from './vector-index';

/** The Milvus repository: one collection per model, one partition per content type, rows keyed by (file, partition). */

/** Every name is an alias: searches follow it, and a rebuild moves it to a new collection in one step. */
export function collectionName(prefix: string, modelId: string): string {
  return `${prefix}_${modelId}`;
}

const NEXT_SUFFIX = '_next';
/** Physical collections are `<alias>__g<base-36 time>`, one per build. */
const GENERATION = '__g';

export function createMilvusStore(config: MilvusConfig, model: { id: string; dim: number }): VectorStore {
  const client = createMilvusClient(config);
  const alias = collectionName(config.collectionPrefix, model.id);
  const serving = bindCollection(client, alias, config);
  const next = bindCollection(client, alias + NEXT_SUFFIX, config);

  async function exists(name: string): Promise<boolean> {
    const has = await client.hasCollection({ collection_name: name });
    check(has.status, 'hasCollection');
    return Boolean(has.value);
  }

  async function physicalCollections(): Promise<string[]> {
    const res = await client.showCollections();
    check(res.status, 'showCollections');
    return res.data.map((collection) => collection.name).filter((name) => name === alias || name.startsWith(alias + GENERATION));
  }

  /** Settled once per store: a DISKANN config on a Milvus that cannot build one fails every time, at once. */
  let diskAnnChecked: Promise<void> | undefined;
  function assertIndexBuildable(): Promise<void> {
    if (config.index.type !== 'DISKANN') return Promise.resolve();
    if (!diskAnnChecked) {
      diskAnnChecked = probeDiskAnn(client, { prefix: config.collectionPrefix }).then((support) => {
        if (!support.supported) throw diskAnnUnsupported(support.reason);
      });
      // A Milvus that was unreachable is asked again next time.
      diskAnnChecked.catch((error) => {
        if (!(error instanceof PipelineError)) diskAnnChecked = undefined;
      });
    }
    return diskAnnChecked;
  }

  /** A new empty, indexed and loaded collection behind `aliasName`; a concurrent creator's alias wins. */
  async function createGeneration(aliasName: string): Promise<void> {
    await assertIndexBuildable();
    const physical = `${alias}${GENERATION}${Date.now().toString(36)}`;
    const created = await client.createCollection({
      collection_name: physical,
      description: `strapi-plugin-image-search vectors of model ${model.id}`,
      consistency_level: config.consistencyLevel,
      fields: [
        { name: FIELDS.pk, data_type: DataType.VarChar, is_primary_key: true, autoID: false, max_length: 320 },
        { name: FIELDS.fileId, data_type: DataType.Int64 },
        { name: FIELDS.version, data_type: DataType.Int64 },
        { name: FIELDS.vector, data_type: DataType.FloatVector, dim: model.dim },
      ],
    });
    check(created, 'createCollection');
    try {
      await createVectorIndex(client, physical, config.index);
    } catch (error) {
      await client.dropCollection({ collection_name: physical }).catch(() => undefined);
      throw error;
    }
    failedUnlessExists(await client.createPartition({ collection_name: physical, partition_name: UNATTACHED_PARTITION }), 'createPartition');
    check(await client.loadCollectionSync({ collection_name: physical }), 'loadCollection');
    const aliased = await client.createAlias({ alias: aliasName, collection_name: physical });
    if (aliased.error_code !== ErrorCode.SUCCESS) {
      await client.dropCollection({ collection_name: physical });
      failedUnlessExists(aliased, 'createAlias');
    }
  }

  async function aliasesOf(physical: string): Promise<string[]> {
    const res = await client.describeCollection({ collection_name: physical });
    check(res.status, 'describeCollection');
    return res.aliases ?? [];
  }

  /** Writes go to the serving collection, and to the one being rebuilt while there is one. */
  async function mirrored(write: (target: IndexCollection) => Promise<void>): Promise<void> {
    await write(serving);
    if (await exists(alias + NEXT_SUFFIX)) await write(next);
  }

  return failuresAsUnavailable({
    ...serving,

    async ensureCollection() {
      if (!(await exists(alias))) await createGeneration(alias);
      check(await client.loadCollectionSync({ collection_name: alias }), 'loadCollection');
    },

    replaceFileVectors: (fileId, partitions, vector, version) => mirrored((target) => target.replaceFileVectors(fileId, partitions, vector, version)),
    deleteFile: (fileId) => mirrored((target) => target.deleteFile(fileId)),

    async beginRebuild() {
      if (!(await exists(alias + NEXT_SUFFIX))) await createGeneration(alias + NEXT_SUFFIX);
    },

    async rebuildTarget() {
      return (await exists(alias + NEXT_SUFFIX)) ? failuresAsUnavailable(next) : null;
    },

    async completeRebuild() {
      const collections = await physicalCollections();
      const described = await Promise.all(collections.map(async (name) => ({ name, aliases: await aliasesOf(name) })));
      const rebuilt = described.find((collection) => collection.aliases.includes(alias + NEXT_SUFFIX));
      if (!rebuilt) throw new PipelineError('No rebuild is under way', false);
      if (collections.includes(alias)) {
        // An index from before aliases: a plain collection holds the name, so searches pause for a moment here.
        check(await client.dropCollection({ collection_name: alias }), 'dropCollection');
        check(await client.createAlias({ alias, collection_name: rebuilt.name }), 'createAlias');
      } else {
        check(await client.alterAlias({ alias, collection_name: rebuilt.name }), 'alterAlias');
        // Searches that resolved the alias before the switch still run on the old collection (a Strong one waits
        // there for a time tick), and dropping it under them fails them. None outlives one call timeout.
        await delay(config.timeoutMs, undefined, { ref: false });
      }
      check(await client.dropAlias({ alias: alias + NEXT_SUFFIX }), 'dropAlias');
      for (const old of described) {
        if (old.name !== rebuilt.name && old.name !== alias) check(await client.dropCollection({ collection_name: old.name }), 'dropCollection');
      }
    },

    async modelCollection(modelId) {
      const name = collectionName(config.collectionPrefix, modelId);
      return (await exists(name)) ? failuresAsUnavailable(bindCollection(client, name, config)) : null;
    },

    async close() {
      await client.closeConnection();
    },
  });
}

/**
 * Whatever the Milvus client throws (gRPC deadline, connection refused) becomes a retriable UnavailableError: the
 * worker retries it, and the HTTP routes answer 503 instead of 500.
 */
function failuresAsUnavailable<T extends object>(store: T): T {
  const guarded = { ...store };
  for (const [name, value] of Object.entries(store)) {
    if (typeof value !== 'function') continue;
    (guarded as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      try {
        return await value(...args);
      } catch (error) {
        if (error instanceof PipelineError) throw error;
        throw new UnavailableError(`Milvus ${name} failed: ${errorMessage(error).split('\n')[0]}`, { cause: error });
      }
    };
  }
  return guarded;
}
