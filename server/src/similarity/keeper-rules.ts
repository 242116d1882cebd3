import type { KeeperRule } from '../config/schema';
import type { FileSummary, UsedFile } from '../contracts/http';

/**
 * Which copy of a group to keep. Each rule scores a file (higher is better) and says in words why a file won on
 * it; the configured order decides which rule counts first (`search.keeperRules`).
 */

/** Lossless and modern encodings first; a format not listed comes last. */
const FORMAT_PREFERENCE = ['image/png', 'image/webp', 'image/avif', 'image/tiff', 'image/jpeg', 'image/gif', 'image/bmp'];

const formatRank = (mime: string | null) => {
  const rank = FORMAT_PREFERENCE.indexOf(mime ?? '');
  return rank === -1 ? FORMAT_PREFERENCE.length : rank;
};
const entriesUsing = (file: FileSummary) => new Set(((file as UsedFile).usedBy ?? []).map((use) => `${use.contentType}/${use.documentId}`)).size;
const createdAt = (file: FileSummary) => (file.createdAt ? Date.parse(file.createdAt) : Number.MAX_SAFE_INTEGER);
const megabytes = (bytes: number | null) => `${((bytes ?? 0) / 1024 / 1024).toFixed(1)} MB`;

const RULES: Record<KeeperRule, { score(file: FileSummary): number; reason(file: FileSummary): string }> = {
  resolution: { score: (file) => (file.width ?? 0) * (file.height ?? 0), reason: (file) => `largest: ${file.width}×${file.height}` },
  fileSize: { score: (file) => file.size ?? 0, reason: (file) => `largest file: ${megabytes(file.size)}` },
  format: { score: (file) => -formatRank(file.mime), reason: (file) => `preferred format: ${file.mime?.replace('image/', '').toUpperCase()}` },
  metadata: {
    score: (file) => (file.alternativeText ? 1 : 0) + (file.caption ? 1 : 0),
    reason: (file) => (file.alternativeText && file.caption ? 'has alt text and a caption' : file.alternativeText ? 'has alt text' : 'has a caption'),
  },
  usage: { score: entriesUsing, reason: (file) => `used by ${entriesUsing(file)} ${entriesUsing(file) === 1 ? 'entry' : 'entries'}` },
  oldest: { score: (file) => -createdAt(file), reason: (file) => `oldest: uploaded ${file.createdAt?.slice(0, 10)}` },
};

const compareScores = (x: { id: number; scores: number[] }, y: { id: number; scores: number[] }) => {
  for (let i = 0; i < x.scores.length; i++) if (y.scores[i] !== x.scores[i]) return y.scores[i] - x.scores[i];
  return x.id - y.id;
};
const scored = (rules: readonly KeeperRule[]) => (file: FileSummary) => ({ id: file.id, scores: rules.map((rule) => RULES[rule].score(file)) });

/** Orders files best keeper first, by the rules in turn, then by id (so the order is total and stable). */
export const keeperComparator =
  (rules: readonly KeeperRule[]) =>
  (x: FileSummary, y: FileSummary): number =>
    compareScores(scored(rules)(x), scored(rules)(y));

/** Each file's place in keeperComparator's order (0 is the best keeper): scored once each, for sorting many files. */
export function keeperRanks(files: Iterable<FileSummary>, rules: readonly KeeperRule[]): Map<number, number> {
  return new Map([...files].map(scored(rules)).sort(compareScores).map((file, rank) => [file.id, rank]));
}

/** The copy to keep among `files`, and why: the first rule that sets it apart from the runner-up. */
export function chooseKeeper<F extends FileSummary>(files: readonly F[], rules: readonly KeeperRule[]): { keeper: F; reason: string } {
  const [keeper, runnerUp] = [...files].sort(keeperComparator(rules));
  const deciding = runnerUp && rules.find((rule) => RULES[rule].score(keeper) !== RULES[rule].score(runnerUp));
  if (deciding) return { keeper, reason: RULES[deciding].reason(keeper) };
  return { keeper, reason: runnerUp ? 'the copies tie on every rule: the first uploaded' : 'the only copy the others all duplicate' };
}

/**
 * The keeper of a group: any member that duplicates every other one may be kept (the file the group formed around
 * always does, so a merge into it passes resolve's check), and the rules choose among those.
 */
export function keeperOfGroup<F extends FileSummary>(
  members: readonly F[],
  duplicates: (a: F, b: F) => boolean,
  rules: readonly KeeperRule[]
): { keeper: F; reason: string } {
  const keepable = members.filter((file) => members.every((other) => other === file || duplicates(file, other)));
  return chooseKeeper(keepable, rules);
}
