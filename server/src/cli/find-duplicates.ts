import fs from 'node:fs/promises';
import type { FileSummary } from '../contracts/http';
import { errorMessage } from '../errors/pipeline-errors';
import type { DuplicateKind } from '../contracts/duplicate-kinds';
import { createDuplicateDecision, pairSimilarity } from '../similarity/duplicate-decision';
import { groupDuplicates, type SimilarPair } from '../similarity/grouping';
import { keeperOfGroup, keeperRanks } from '../similarity/keeper-rules';
import { neighbourLists } from '../similarity/pairs-among';
import { verifyClosest } from '../similarity/verify-closest';
import { pairKey } from '../strapi-data/not-duplicates';
import { createMemoryImageCache } from '../verification/image-cache';
import { createPairVerifier } from '../verification/pair-verifier';
import { learnProjection } from '../whitening/learn';
import { identitySpace, spaceOf, toSpace } from '../whitening/projection';
import { loadLocalEmbedder, type EmbedderOptions } from './embed';

/**
 * `find-duplicates`: the duplicates review over files on disk, before they are imported, or to judge the decision
 * on one's own photos. Vectors come from the worker's code path, in the space a library of these files would learn
 * (its whitening, from a sample of them, when there are enough); pairs and groups from the review's own rules (each
 * file's nearest neighbours at the duplicate threshold, groups that never chain, the keeper rules).
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
  const { extractor, embedder, search, whitening } = await loadLocalEmbedder(options);
  const images = createMemoryImageCache();
  const embedded: Embedded[] = [];
  let space = identitySpace(extractor.model.dim);
  let failures = 0;
  try {
    for (let start = 0; start < files.length; start += BATCH) {
      const batch = files.slice(start, start + BATCH);
      const results = await embedder.embed(batch.map((file, i) => ({ id: start + i, url: file })));
      for (const [i, result] of results.entries()) {
        if (result instanceof Error) {
          failures++;
          log(`skipped ${batch[i]}: ${errorMessage(result)}`);
          continue;
        }
        const id = embedded.length;
        await images.put(id, { contentHash: result.contentHash, image: result.verificationImage });
        embedded.push({ path: batch[i], vector: result.vector, summary: await summaryOf(id, batch[i], result.source) });
      }
      log(`embedded ${Math.min(start + BATCH, files.length)}/${files.length}`);
    }
    space = await learnSpace(embedded, { extractor, embedder, whitening }, log);
  } finally {
    extractor.dispose();
  }
  for (const file of embedded) file.vector = toSpace(space, file.vector);
  const decision = createDuplicateDecision({
    threshold: options.threshold ?? search.duplicateThreshold ?? space.thresholds.duplicate,
    kinds: search.duplicateKinds,
    verifier: createPairVerifier({ images }),
  });

  // Each file's candidates verified as the worker and the duplicate scan verify them; a pair asked from both sides
  // is judged once.
  const lists = neighbourLists(embedded, (a, b) => pairSimilarity(a.vector, b.vector), decision.threshold);
  const found = new Map<string, SimilarPair & { kind: DuplicateKind }>();
  for (const [i, list] of lists.entries()) {
    const { duplicates } = await verifyClosest(list, ({ j, similarity }) => decision.judge(i, j, similarity));
    for (const { j, similarity, kind } of duplicates) found.set(pairKey(i, j), { a: Math.min(i, j), b: Math.max(i, j), similarity, kind });
    if ((i + 1) % 100 === 0 || i + 1 === lists.length) log(`verified ${i + 1}/${lists.length} files' candidates`);
  }
  const pairs = [...found.values()];
  const verified = new Set(pairs.map((pair) => pairKey(pair.a, pair.b)));
  const rank = keeperRanks(
    embedded.map((file) => file.summary),
    search.keeperRules
  );
  const groups = groupDuplicates(pairs, decision.threshold, new Set(), (a, b) => rank.get(a)! - rank.get(b)!);
  const round = (value: number) => Number(value.toFixed(4));

  for (const { a, b, similarity, kind } of pairs.sort((x, y) => y.similarity - x.similarity)) {
    const [first, second] = [embedded[a].path, embedded[b].path];
    out(
      options.json
        ? JSON.stringify({ a: first, b: second, similarity: round(similarity), kind })
        : `${similarity.toFixed(3)}  ${kind.padEnd(9)}  ${first}  ${second}`
    );
  }
  for (const group of groups) {
    const { keeper, reason } = keeperOfGroup(
      group.map((id) => embedded[id].summary),
      (x, y) => verified.has(pairKey(x.id, y.id)),
      search.keeperRules
    );
    const copies = group.filter((id) => id !== keeper.id).map((id) => embedded[id].path);
    out(
      options.json
        ? JSON.stringify({ group: [keeper.name, ...copies], keeper: keeper.name, reason })
        : `group of ${group.length}: keep ${keeper.name} (${reason}); copies: ${copies.join(', ')}`
    );
  }
  log(`${embedded.length} images, ${lists.filter((list) => list.length > 0).length} with candidates at ${decision.threshold}, ${pairs.length} verified duplicates, ${groups.length} groups`);
  return failures;
}

/** The space a library of these files would learn: from an even sample of them, as Strapi's rebuild learns it. */
async function learnSpace(
  embedded: readonly Embedded[],
  { extractor, embedder, whitening }: Pick<Awaited<ReturnType<typeof loadLocalEmbedder>>, 'extractor' | 'embedder' | 'whitening'>,
  log: (line: string) => void
) {
  const identity = identitySpace(extractor.model.dim);
  if (!whitening.enabled || embedded.length < whitening.minImages) return identity;
  const step = embedded.length / Math.min(whitening.sampleSize, embedded.length);
  const sample = Array.from({ length: Math.min(whitening.sampleSize, embedded.length) }, (_, i) => embedded[Math.floor(i * step)].path);
  const projection = await learnProjection({
    modelId: extractor.model.id,
    inputDim: extractor.model.dim,
    count: sample.length,
    minImages: whitening.minImages,
    read: (i) => fs.readFile(sample[i]),
    embed: async (bytes) => (await embedder.embedBytes(bytes)).map((result) => (result instanceof Error ? result : result.vector)),
    fit: (input) => extractor.fitWhitening(input),
    onProgress: (done, total) => log(`learning the whitening: ${done}/${total} images and their edits`),
  });
  if (projection) log(`learned whitening ${projection.id} from ${projection.fittedOn.images} images: duplicate candidates from ${projection.thresholds.duplicate}`);
  return projection ? spaceOf(projection) : identity;
}
