/** Pure arithmetic of similarity paging: dedupe, threshold, page window. Unit-tested without Milvus. */

export interface ScoredFile {
  fileId: number;
  similarity: number;
}

/** Milvus COSINE returns cosine similarity in [-1, 1]; the API promises [0, 1]. */
export function toSimilarity(cosine: number): number {
  return Math.min(1, Math.max(0, cosine));
}

/** One entry per file (a file lives in one partition per content type), best score kept, best first. */
export function dedupeByFile(hits: readonly ScoredFile[]): ScoredFile[] {
  const best = new Map<number, number>();
  for (const { fileId, similarity } of hits) {
    if ((best.get(fileId) ?? -Infinity) < similarity) best.set(fileId, similarity);
  }
  return [...best].map(([fileId, similarity]) => ({ fileId, similarity })).sort((a, b) => b.similarity - a.similarity || a.fileId - b.fileId);
}

export function aboveThreshold(hits: readonly ScoredFile[], threshold: number): ScoredFile[] {
  return hits.filter((hit) => hit.similarity >= threshold);
}

/** How many distinct results a page needs: everything before it, the page, and one more to know if more exist. */
export function resultsNeeded(page: number, pageSize: number): number {
  return page * pageSize + 1;
}

export function pageOf<T>(items: readonly T[], page: number, pageSize: number): { items: T[]; hasMore: boolean } {
  const start = (page - 1) * pageSize;
  return { items: items.slice(start, start + pageSize), hasMore: items.length > start + pageSize };
}
