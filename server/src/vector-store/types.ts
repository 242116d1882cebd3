import type { ConsistencyLevel } from '../config/schema';

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

export interface VectorStore {
  readonly collection: string;
  ensureCollection(): Promise<void>;
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
  /**
   * Starts (or resumes) a rebuild: a new collection behind the `<collection>_next` alias, which every write from
   * then on also goes to, while searches keep using the current one.
   */
  beginRebuild(): Promise<void>;
  /** The collection being rebuilt, or null when no rebuild is under way. */
  rebuildTarget(): Promise<IndexCollection | null>;
  /** Points the collection's alias at the rebuilt collection in one step, then drops the old one. */
  completeRebuild(): Promise<void>;
  /** Another model's index under the same prefix, or null when none exists. */
  modelCollection(modelId: string): Promise<IndexCollection | null>;
  close(): Promise<void>;
}

/** What one collection (or alias) offers; the store adds mirroring and rebuilds around the serving one. */
export type IndexCollection = Omit<VectorStore, 'ensureCollection' | 'beginRebuild' | 'rebuildTarget' | 'completeRebuild' | 'modelCollection' | 'close'>;
