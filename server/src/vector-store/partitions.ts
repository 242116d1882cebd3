/**
 * Milvus partition names for Strapi content types. Partition names allow only [A-Za-z0-9_], so the UID is
 * escaped reversibly: [a-z0-9] stay, every other character becomes `_` plus its two hex digits.
 * e.g. api::article.article -> ct_api_3a_3aarticle_2earticle
 */

export const UNATTACHED_PARTITION = 'unattached';
const PREFIX = 'ct_';
const MAX_PARTITION_NAME = 255;

export function partitionForContentType(uid: string): string {
  if (!uid) throw new Error('A content-type UID is required');
  const escaped = Array.from(uid, (char) => {
    if (/[a-z0-9]/.test(char)) return char;
    const code = char.codePointAt(0)!;
    if (code > 0xff) throw new Error(`Unsupported character in content-type UID: ${uid}`);
    return `_${code.toString(16).padStart(2, '0')}`;
  }).join('');
  const name = PREFIX + escaped;
  if (name.length > MAX_PARTITION_NAME) throw new Error(`Content-type UID too long for a partition name: ${uid}`);
  return name;
}

export function contentTypeForPartition(name: string): string | null {
  if (!name.startsWith(PREFIX)) return null;
  return name.slice(PREFIX.length).replace(/_([0-9a-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** The partitions a file's vectors belong in: one per content type using it, or the unattached one. */
export function partitionsForFile(contentTypes: readonly string[]): string[] {
  if (contentTypes.length === 0) return [UNATTACHED_PARTITION];
  return [...new Set(contentTypes.map(partitionForContentType))].sort();
}

/** Deterministic primary key: one row per (file, partition), so re-indexing upserts in place. */
export function vectorRowId(fileId: number, partition: string): string {
  return `${fileId}:${partition}`;
}

export const partitionOfRow = (rowId: string): string => rowId.slice(rowId.indexOf(':') + 1);
