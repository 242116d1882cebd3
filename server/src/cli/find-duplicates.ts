import fs from 'node:fs/promises';
import type { FileSummary } from '../contracts/http';
import { errorMessage } from '../errors/pipeline-errors';
import { isDuplicate, pairSimilarity } from '../similarity/duplicate-decision';
import { groupDuplicates } from '../similarity/grouping';
import { keeperOfGroup, keeperRanks } from '../similarity/keeper-rules';
import { pairsAmong } from '../similarity/pairs-among';
import { loadLocalEmbedder, type EmbedderOptions } from './embed';

/**
 * `find-duplicates`: the duplicates review over files on disk, before they are imported, or to judge the decision
 * on one's own photos. Vectors come from the worker's code path, pairs and groups from the review's own rules
 * (each file's nearest neighbours at the duplicate threshold, groups that never chain, the keeper rules).
 */

export interface FindDuplicatesOptions extends EmbedderOptions {
  /** Overrides the config's `search.duplicateThreshold`. */
  threshold?: number;
  json: boolean;
}

/** Files read, decoded and embedded at once. */
const BATCH = 16;

interface Embedded {
  path: string;
  vector: number[];
  summary: FileSummary;
}

async function summaryOf(id: number, path: string, source: { mime: string | null; width: number; height: number }): Promise<FileSummary> {
  const stat = await fs.stat(path);
  return {
    id,
    documentId: path,
    name: path,
    url: path,
    thumbnailUrl: path,
    ...source,
    size: stat.size,
    alternativeText: null,
    caption: null,
    createdAt: stat.mtime.toISOString(),
  };
}

/**
 * Writes pairs, then groups, to `out`; reports progress and unreadable files to `log`. Resolves to the number of
 * files that could not be read.
 */
export async function runFindDuplicates(
  files: readonly string[],
  options: FindDuplicatesOptions,
  out: (line: string) => void,
  log: (line: string) => void
): Promise<number> {
  const { extractor, embedder, search } = await loadLocalEmbedder(options);
  const threshold = options.threshold ?? search.duplicateThreshold;
  const embedded: Embedded[] = [];
  let failures = 0;
  try {
    for (let start = 0; start < files.length; start += BATCH) {
      const batch = files.slice(start, start + BATCH);
      const bytes = await Promise.all(batch.map((file) => fs.readFile(file).catch((error: Error) => error)));
      const readable = batch.flatMap((file, i) => (bytes[i] instanceof Error ? [] : [{ file, bytes: bytes[i] as Buffer }]));
      const results = await embedder.embedBytes(readable.map((item) => item.bytes));
      for (const [i, result] of results.entries()) {
        if (result instanceof Error) {
          failures++;
          log(`skipped ${readable[i].file}: ${result.message}`);
        } else embedded.push({ path: readable[i].file, vector: result.vector, summary: await summaryOf(embedded.length, readable[i].file, result.source) });
      }
      for (const [i, error] of bytes.entries()) {
        if (!(error instanceof Error)) continue;
        failures++;
        log(`skipped ${batch[i]}: ${errorMessage(error)}`);
      }
      log(`embedded ${Math.min(start + BATCH, files.length)}/${files.length}`);
    }
  } finally {
    extractor.dispose();
  }

  const pairs = pairsAmong(embedded, (a, b) => pairSimilarity(a.vector, b.vector), threshold);
  const rank = keeperRanks(
    embedded.map((file) => file.summary),
    search.keeperRules
  );
  const groups = groupDuplicates(pairs, threshold, new Set(), (a, b) => rank.get(a)! - rank.get(b)!);
  const similarity = (a: number, b: number) => pairSimilarity(embedded[a].vector, embedded[b].vector);
  const round = (value: number) => Number(value.toFixed(4));

  for (const { a, b, similarity: score } of pairs.sort((x, y) => y.similarity - x.similarity)) {
    const [first, second] = [embedded[a].path, embedded[b].path];
    out(options.json ? JSON.stringify({ a: first, b: second, similarity: round(score) }) : `${score.toFixed(3)}  ${first}  ${second}`);
  }
  for (const group of groups) {
    const { keeper, reason } = keeperOfGroup(
      group.map((id) => embedded[id].summary),
      (x, y) => isDuplicate(similarity(x.id, y.id), threshold),
      search.keeperRules
    );
    const copies = group.filter((id) => id !== keeper.id).map((id) => embedded[id].path);
    out(
      options.json
        ? JSON.stringify({ group: [keeper.name, ...copies], keeper: keeper.name, reason })
        : `group of ${group.length}: keep ${keeper.name} (${reason}); copies: ${copies.join(', ')}`
    );
  }
  log(`${embedded.length} images, ${pairs.length} duplicate pairs at ${threshold}, ${groups.length} groups`);
  return failures;
}
