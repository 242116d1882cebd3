import type { ConsistencyLevel } from '../config/schema';
import type { Projection, Space } from '../whitening/projection';

/** The vector index as the rest of the plugin sees it; Milvus implements it (milvus-store.ts). */

export interface ScoredRow {
  fileId: number;
  score: number;
}

export interface VectorSearch {
  vector: number[];
  limit: number;
  /** Restrict to these partitions; all partitions when absent. */
  partitions?: string[];
  excludeFileId?: number;
  /** Overrides the store's consistency for this call: Bounded skips Strong's wait but may miss the latest writes. */
  consistency?: ConsistencyLevel;
}

/** Reads and writes on one collection, in its own space: vectors given and returned are of that space. */
export interface IndexCollection {
  readonly collection: string;
  replaceFileVectors(fileId: number, partitions: readonly string[], vector: readonly number[], version: number): Promise<void>;
  deleteFile(fileId: number): Promise<void>;
  /** The file's vector; `fresh` guarantees it reflects every write acknowledged before the call. */
  getVector(fileId: number, options?: { fresh?: boolean }): Promise<number[] | null>;
  /** The version (event time) last applied to each of these files that is indexed. */
  appliedVersions(fileIds: readonly number[]): Promise<Map<number, number>>;
  search(query: VectorSearch): Promise<ScoredRow[]>;
  existingPartitions(names: readonly string[]): Promise<string[]>;
  /**
   * The partitions each indexed file has rows in (one row per partition): file ids up to maxFileId walked in
   * windows, then whatever lies above in one query (orphans of deleted files; a few at most).
   */
  indexedPartitions(maxFileId: number): Promise<Map<number, string[]>>;
  /** Rows in the collection (one per file and partition), counted by Milvus: no walk of file ids. */
  countRows(): Promise<number>;
  /** The files indexed, and how many rows they have (one per partition), for file ids up to maxFileId: a walk, for tests and maintenance. */
  stats(maxFileId: number): Promise<{ fileIds: Set<number>; vectors: number }>;
}

/**
 * The collection searches use right now, bound to the physical collection behind the alias when it was asked for:
 * a request's reads all see one collection and one space, even if a rebuild switches the alias meanwhile.
 */
export interface ServedCollection extends IndexCollection {
  readonly space: Space;
}

/** The vector index as the rest of the plugin sees it; Milvus implements it (milvus-store.ts). */
export interface VectorStore extends Pick<IndexCollection, 'deleteFile' | 'appliedVersions' | 'existingPartitions' | 'indexedPartitions' | 'countRows' | 'stats'> {
  /** The alias searches follow. */
  readonly collection: string;
  /** Creates the index in the model's own space when there is none. */
  ensureCollection(): Promise<void>;
  /** The serving collection, and its space. */
  serving(): Promise<ServedCollection>;
  /** Writes a file's model vector into every collection being written (serving, and rebuilding), each in its own space. */
  indexFile(fileId: number, partitions: readonly string[], modelVector: readonly number[], version: number): Promise<void>;
  /** Moves a file's vectors to other partitions in every collection being written; false when one lacks them. */
  moveFile(fileId: number, partitions: readonly string[], version: number): Promise<boolean>;
  /**
   * Starts (or resumes) a rebuild: a new collection in `space` behind the `<collection>_next` alias, which every
   * write from then on also goes to, while searches keep using the current one. A rebuild under way keeps its space.
   */
  beginRebuild(space: Space): Promise<void>;
  /** The collection being rebuilt, in its space, or null when no rebuild is under way. */
  rebuildTarget(): Promise<ServedCollection | null>;
  /** Points the collection's alias at the rebuilt collection in one step, then drops the old one. */
  completeRebuild(): Promise<void>;
  /** Another model's index under the same prefix, or null when none exists. */
  modelCollection(modelId: string): Promise<IndexCollection | null>;
  /** Where learned projections are kept, for the spaces of new collections. */
  readonly projections: ProjectionStore;
  close(): Promise<void>;
}

/** The learned projections, stored beside the indexes they built. */
export interface ProjectionStore {
  save(projection: Projection): Promise<void>;
  load(id: string): Promise<Projection>;
  /** Deletes every projection but these. */
  keepOnly(ids: readonly string[]): Promise<void>;
}
