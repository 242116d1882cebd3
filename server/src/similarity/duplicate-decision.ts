import { toSimilarity } from './paging';

/**
 * The one duplicate decision. The review's groups, the upload-time notices and a merge all ask it, so a merge only
 * ever removes files the review itself would group.
 */

/** Cosine similarity of two unit vectors, as the API reports it: in [0, 1]. */
export function pairSimilarity(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return toSimilarity(dot);
}

export const isDuplicate = (similarity: number, threshold: number): boolean => similarity >= threshold;
