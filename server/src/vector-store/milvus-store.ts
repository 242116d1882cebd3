import { setTimeout as delay } from 'node:timers/promises';
import { DataType, ErrorCode } from '@zilliz/milvus2-sdk-node';
import { errorMessage, PipelineError, UnavailableError } from '../errors/pipeline-errors';
import type { Logger } from '../utils/logger';
import { retryUntilReady } from '../utils/retry';
import { identitySpace, IDENTITY, spaceOf, toSpace, type Space } from '../whitening/projection';
import { bindCollection, check, closeMilvusClient, createMilvusClient, failedUnlessExists, FIELDS, type MilvusConfig } from './collection';
import { UNATTACHED_PARTITION } from './partitions';
import { createProjectionStore } from './projections';
import type { IndexCollection, ServedCollection, VectorStore } from './types';
import { createVectorIndex, diskAnnUnsupported, probeDiskAnn } from './vector-index';

/**
 * The Milvus repository: one collection per model, one partition per content type, rows keyed by (file, partition).
 * Each physical collection is built in one space (the model's own vectors, or a learned projection of them), named
 * in its description; every write projects the model's vector into the space of the collection it goes to.
 */

/** Every name is an alias: searches follow it, and a rebuild moves it to a new collection in one step. */
export function collectionName(prefix: string, modelId: string): string {
  return `${prefix}_${modelId}`;
}

const NEXT_SUFFIX = '_next';
/** Physical collections are `<alias>__g<base-36 time>`, one per build. */
const GENERATION = '__g';
/** How a collection's description names its space. */
const SPACE_TAG = /; space (\S+)$/;

/** The space a collection's description names; a collection from before spaces holds the model's own vectors. */
export const spaceIdOf = (description: string | undefined): string => SPACE_TAG.exec(description ?? '')?.[1] ?? IDENTITY;

/**
 * How long searches keep using the collection the alias last resolved to, saving a Milvus call per request. A
 * rebuild's switch reaches the other instances within this; the old collection is dropped only after it.
 */
const SERVING_RESOLVED_MS = 1000;

const missing = (status: { reason?: string } | undefined) => /can't find collection|not found/i.test(status?.reason ?? '');

/**
 * Readies `held.store`'s collection, retrying until it is ready (true) or `signal` aborts (false). Each failed attempt
 * starts over with a new client in `held.store`: a client whose calls timed out while the event loop was held (a long
 * synchronous task at boot) kept timing out once the loop was free.
 */
export async function connectStore(held: { store: VectorStore }, config: MilvusConfig, model: { id: string; dim: number }, deps: { logger: Logger; signal: AbortSignal }): Promise<boolean> {
  const ready = await retryUntilReady(
    'connecting to Milvus',
    async () => {
      try {
        await held.store.ensureCollection();
        return true;
      } catch (error) {
        const failed = held.store;
        held.store = createMilvusStore(config, model);
        void failed.close().catch(() => undefined);
        throw error;
      }
    },
    deps
  );
  return ready === true;
}

export function createMilvusStore(config: MilvusConfig, model: { id: string; dim: number }): VectorStore {
  const client = createMilvusClient(config);
  const alias = collectionName(config.collectionPrefix, model.id);
  const serving = bindCollection(client, alias, config);
  const projections = createProjectionStore(client, config, model);
  /** Physical collection names by id: an alias is described by the id of the collection it points at. */
  const physicalNames = new Map<string, string>();

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
  async function createGeneration(aliasName: string, space: Space): Promise<void> {
    await assertIndexBuildable();
    const physical = `${alias}${GENERATION}${Date.now().toString(36)}`;
    const created = await client.createCollection({
      collection_name: physical,
      description: `strapi-plugin-image-search vectors of model ${model.id}; space ${space.id}`,
      consistency_level: config.consistencyLevel,
      fields: [
        { name: FIELDS.pk, data_type: DataType.VarChar, is_primary_key: true, autoID: false, max_length: 320 },
        { name: FIELDS.fileId, data_type: DataType.Int64 },
        { name: FIELDS.version, data_type: DataType.Int64 },
        { name: FIELDS.vector, data_type: DataType.FloatVector, dim: space.dim },
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

  async function physicalName(collectionId: string): Promise<string> {
    if (!physicalNames.has(collectionId)) {
      const res = await client.showCollections();
      check(res.status, 'showCollections');
      for (const { id, name } of res.data) physicalNames.set(String(id), name);
    }
    const name = physicalNames.get(collectionId);
    if (!name) throw new UnavailableError(`Milvus collection ${collectionId} is gone`);
    return name;
  }

  /**
   * The physical collection an alias points at now, with its space; null when the alias does not exist. A
   * collection from before spaces holds the model's own vectors.
   */
  async function resolve(aliasName: string): Promise<ServedCollection | null> {
    const described = await client.describeCollection({ collection_name: aliasName });
    if (missing(described.status)) return null;
    check(described.status, 'describeCollection');
    const physical = await physicalName(String(described.collectionID));
    const spaceId = spaceIdOf(described.schema?.description);
    const space = spaceId === IDENTITY ? identitySpace(model.dim) : spaceOf(await projections.load(spaceId));
    return { ...bindCollection(client, physical, config), space };
  }

  let servingResolved: { at: number; served: Promise<ServedCollection> } | undefined;
  const forgetServing = () => void (servingResolved = undefined);

  /** Writes go to the serving collection, and to the one being rebuilt while there is one, each in its own space. */
  async function targets(): Promise<ServedCollection[]> {
    const [current, rebuilding] = await Promise.all([resolve(alias), resolve(alias + NEXT_SUFFIX)]);
    if (!current) throw new UnavailableError(`Milvus collection ${alias} does not exist yet`);
    return rebuilding ? [current, rebuilding] : [current];
  }

  return failuresAsUnavailable({
    collection: alias,
    projections,
    appliedVersions: serving.appliedVersions,
    existingPartitions: serving.existingPartitions,
    indexedPartitions: serving.indexedPartitions,
    countRows: serving.countRows,
    stats: serving.stats,

    async ensureCollection() {
      forgetServing();
      if (!(await exists(alias))) await createGeneration(alias, identitySpace(model.dim));
      check(await client.loadCollectionSync({ collection_name: alias }), 'loadCollection');
    },

    serving() {
      if (!servingResolved || Date.now() - servingResolved.at > SERVING_RESOLVED_MS) {
        const served = resolve(alias).then((current) => {
          if (!current) throw new UnavailableError(`Milvus collection ${alias} does not exist yet`);
          return failuresAsUnavailable(current);
        });
        servingResolved = { at: Date.now(), served };
        served.catch(() => servingResolved?.served === served && forgetServing());
      }
      return servingResolved.served;
    },

    async indexFile(fileId, partitions, modelVector, version) {
      for (const target of await targets()) await target.replaceFileVectors(fileId, partitions, toSpace(target.space, modelVector), version);
    },

    async moveFile(fileId, partitions, version) {
      const collections = await targets();
      // Fresh: a replace of this file may have been applied a moment ago.
      const vectors = await Promise.all(collections.map((target) => target.getVector(fileId, { fresh: true })));
      if (vectors.some((vector) => !vector)) return false;
      for (const [i, target] of collections.entries()) await target.replaceFileVectors(fileId, partitions, vectors[i]!, version);
      return true;
    },

    async deleteFile(fileId) {
      for (const target of await targets()) await target.deleteFile(fileId);
    },

    async beginRebuild(space) {
      if (!(await exists(alias + NEXT_SUFFIX))) await createGeneration(alias + NEXT_SUFFIX, space);
    },

    async rebuildTarget() {
      const target = await resolve(alias + NEXT_SUFFIX);
      return target && failuresAsUnavailable(target);
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
        forgetServing();
      } else {
        check(await client.alterAlias({ alias, collection_name: rebuilt.name }), 'alterAlias');
        forgetServing();
        // Searches that resolved the alias before the switch still run on the old collection (a Strong one waits
        // there for a time tick), and dropping it under them fails them. None outlives one call timeout after
        // another instance's resolution expires.
        await delay(SERVING_RESOLVED_MS + config.timeoutMs, undefined, { ref: false });
      }
      for (const old of described) {
        if (old.name !== rebuilt.name && old.name !== alias) check(await client.dropCollection({ collection_name: old.name }), 'dropCollection');
      }
      // Projections no collection is built in any more go too.
      const space = spaceIdOf((await client.describeCollection({ collection_name: alias })).schema?.description);
      await projections.keepOnly(space !== IDENTITY ? [space] : []);
      // Last: until then the rebuild shows as under way, and completing it again after a crash finishes the rest.
      check(await client.dropAlias({ alias: alias + NEXT_SUFFIX }), 'dropAlias');
    },

    async modelCollection(modelId) {
      const name = collectionName(config.collectionPrefix, modelId);
      return (await exists(name)) ? failuresAsUnavailable(bindCollection(client, name, config)) : null;
    },

    async close() {
      closeMilvusClient(client);
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
