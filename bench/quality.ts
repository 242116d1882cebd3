import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { configSchema, modelSchema, preprocessingSchema } from '../server/src/config/schema';
import { DEFAULT_DUPLICATE_KINDS, type DuplicateKind } from '../server/src/contracts/duplicate-kinds';
import { loadExtractor, type FeatureExtractor } from '../server/src/embedding/extractor';
import { resolveModel } from '../server/src/embedding/models';
import { createEmbedder } from '../server/src/indexing/embedder';
import { groupDuplicates, type SimilarPair } from '../server/src/similarity/grouping';
import { neighbourLists } from '../server/src/similarity/pairs-among';
import { VERIFICATION_BUDGET, verifyClosest } from '../server/src/similarity/verify-closest';
import { PACKAGE_ROOT } from '../server/src/utils/paths';
import { extractLocalFeatures, type LocalFeatures } from '../server/src/verification/local-features';
import { loadOpenCv } from '../server/src/verification/opencv';
import { verifyPair, type Verification } from '../server/src/verification/verify-pair';
import { learnProjection } from '../server/src/whitening/learn';
import { identitySpace, spaceOf, toSpace } from '../server/src/whitening/projection';
import { seededRandom } from '../server/src/whitening/training-edits';
import { vectorsOf, verificationImageOf } from './features';
import { hashSimilarity, phash } from './phash';
import { benchmarkPhotos, distractorPhotos, similarShots } from './photos';
import { bytesIndexedFrom } from './strapi-formats';
import { printTable, writeResults } from './stats';
import { makeVariant, VARIANTS, type VariantName } from './variants';

/**
 * Near-duplicate quality on real photos, the way a site's library holds them: distinct photos (the quality set,
 * distractors no copy is made of, and sets of similar but different shots), plus twelve edited copies of each
 * quality photo. Each copy is also a query for ranking. Measured for the global descriptors alone (stage 1, each in
 * its own space, at its own threshold) and for the shipped two-stage decision, which learns its whitening from this
 * library as a rebuild would (a sample of its images and the project's own edits of them, never these edits).
 */

const CACHE = path.join(PACKAGE_ROOT, '.cache', 'quality');
/** Verification budgets measured beside the shipped one (VERIFICATION_BUDGET). */
const BUDGET_LEVERS = [
  { duplicates: 6, checks: 10 },
  { duplicates: 12, checks: 16 },
].filter((budget) => budget.duplicates !== VERIFICATION_BUDGET.duplicates || budget.checks !== VERIFICATION_BUDGET.checks);
/**
 * Density-adaptive candidates, measured beside the fixed threshold: a candidate must also stand `margin` above the
 * query's k-th closest image, so a query where the space is crowded (similar shots, a larger library) needs more.
 * k is beyond the copies one photo has here (13 edits), so the k-th is another photo's.
 */
const DENSITY_LEVERS = [0.05, 0.1, 0.15].map((margin) => ({ k: 50, margin }));
const variantNames = Object.keys(VARIANTS) as VariantName[];
const search = configSchema.shape.search.parse({});
const whitening = configSchema.shape.whitening.parse({});

interface Item {
  bytes: Buffer;
  /** Which picture it shows: copies share their original's. */
  photo: string;
  edit: VariantName | null;
  /** The set of similar shots it belongs to. */
  set?: string;
}

const digest = (bytes: Buffer) => createHash('sha1').update(bytes).digest('hex');

/** Vectors by method, kept under .cache keyed by the bytes, so a later run skips the model; an image that cannot be read is an Error. */
async function cachedVectors(method: string, images: readonly Buffer[], compute: (images: Buffer[]) => Promise<Array<number[] | Error>>): Promise<Array<number[] | Error>> {
  const dir = path.join(CACHE, 'vectors', method);
  fs.mkdirSync(dir, { recursive: true });
  const files = images.map((bytes) => path.join(dir, `${digest(bytes)}.f32`));
  const results: Array<number[] | Error | undefined> = files.map((file) => (fs.existsSync(file) ? Array.from(new Float32Array(fs.readFileSync(file).buffer.slice(0))) : undefined));
  const missing = results.flatMap((result, i) => (result ? [] : [i]));
  for (let start = 0; start < missing.length; start += 64) {
    const chunk = missing.slice(start, start + 64);
    const computed = await compute(chunk.map((i) => images[i]));
    chunk.forEach((i, k) => {
      results[i] = computed[k];
      if (!(computed[k] instanceof Error)) fs.writeFileSync(files[i], Buffer.from(new Float32Array(computed[k] as number[]).buffer));
    });
  }
  return results as Array<number[] | Error>;
}

const vectorsOnly = (results: Array<number[] | Error>) =>
  results.map((result) => {
    if (result instanceof Error) throw result;
    return result;
  });

/** The edited copies, made once and kept under .cache. */
async function variantsOf(photo: string): Promise<Buffer[]> {
  const dir = path.join(CACHE, 'variants', path.basename(photo));
  fs.mkdirSync(dir, { recursive: true });
  const original = fs.readFileSync(photo);
  return Promise.all(
    variantNames.map(async (name) => {
      const file = path.join(dir, `${name}.jpg`);
      if (!fs.existsSync(file)) fs.writeFileSync(file, await makeVariant(original, name));
      return fs.readFileSync(file);
    })
  );
}

/**
 * What the worker decodes of each uploaded image: by default, as shipped (`worker.useStoredFormats`), the format
 * Strapi stored that it is indexed from (bench/strapi-formats.ts), made once and kept under .cache; with
 * QUALITY_INDEXED_FROM=original, the file itself.
 */
const INDEXED_FROM = process.env.QUALITY_INDEXED_FROM === 'original' ? 'original' : 'formats';

async function asIndexed(bytes: Buffer): Promise<Buffer> {
  if (INDEXED_FROM === 'original') return bytes;
  const file = path.join(CACHE, 'indexed-from-formats', digest(bytes));
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, await bytesIndexedFrom(bytes));
  }
  return fs.readFileSync(file);
}

async function library(): Promise<Item[]> {
  const originals = benchmarkPhotos();
  const items: Item[] = originals.map((photo) => ({ bytes: fs.readFileSync(photo), photo, edit: null }));
  items.push(...distractorPhotos().map((photo) => ({ bytes: fs.readFileSync(photo), photo, edit: null })));
  items.push(...similarShots().map(({ file, set }) => ({ bytes: fs.readFileSync(file), photo: file, edit: null, set })));
  for (const photo of originals) (await variantsOf(photo)).forEach((bytes, v) => items.push({ bytes, photo, edit: variantNames[v] }));
  for (const item of items) item.bytes = await asIndexed(item.bytes);
  return items;
}

const dot = (a: readonly number[], b: readonly number[]) => a.reduce((sum, value, i) => sum + value * b[i], 0);
const pct = (value: number) => `${(value * 100).toFixed(1)}%`;

/** The k-th largest of `similarities` (-1 when there are fewer). */
const kthLargest = (similarities: readonly number[], k: number) => [...similarities].sort((x, y) => y - x)[k - 1] ?? -1;

/** Each item's similarity to its k-th closest other item. */
function kthSimilarities(vectors: readonly number[][], k: number): number[] {
  return vectors.map((vector, i) => kthLargest(vectors.flatMap((other, j) => (j === i ? [] : [dot(vector, other)])), k));
}

/** Recall@1 of each edit: a copy's original must rank first among the library's distinct photos. */
function ranking(items: readonly Item[], similarity: (i: number, j: number) => number) {
  const database = items.flatMap((item, i) => (item.edit ? [] : [i]));
  const hits = new Map<string, number[]>();
  items.forEach((item, q) => {
    if (!item.edit) return;
    let best = -1;
    let bestScore = -Infinity;
    for (const i of database) {
      const score = similarity(q, i);
      if (score > bestScore) [best, bestScore] = [i, score];
    }
    hits.set(item.edit, [...(hits.get(item.edit) ?? []), items[best].photo === item.photo ? 1 : 0]);
  });
  const perEdit = Object.fromEntries([...hits].map(([edit, list]) => [edit, list.reduce((a, b) => a + b, 0) / list.length]));
  const all = [...hits.values()].flat();
  return { perEdit, overall: all.reduce((a, b) => a + b, 0) / all.length, worst: Math.min(...Object.values(perEdit)) };
}

/** Stage 1 alone at a threshold: what a global descriptor keeps, and what it lets in. */
function stageOne(items: readonly Item[], similarity: (i: number, j: number) => number, threshold: number) {
  const originalOf = new Map(items.flatMap((item, i) => (item.edit ? [] : [[item.photo, i] as const])));
  const copies = items.flatMap((item, i) => (item.edit ? [i] : []));
  const kept = copies.filter((c) => similarity(c, originalOf.get(items[c].photo)!) >= threshold).length / copies.length;
  const distinct = items.flatMap((item, i) => (item.edit ? [] : [i]));
  let falsePairs = 0;
  const withCandidate = new Set<number>();
  for (let x = 0; x < distinct.length; x++) {
    for (let y = x + 1; y < distinct.length; y++) {
      if (similarity(distinct[x], distinct[y]) >= threshold) {
        falsePairs++;
        withCandidate.add(distinct[x]).add(distinct[y]);
      }
    }
  }
  return { kept, falsePairsPer1000: (falsePairs / distinct.length) * 1000, withCandidate: withCandidate.size / distinct.length };
}

/**
 * How stage 1's false candidates grow with the library: for each benchmark photo (one with copies), the other
 * distinct photos at or above the threshold, in libraries of `sizes` distinct photos (the benchmark photos and a
 * seeded sample of the rest). Verification pays for each, up to its budget.
 */
function candidateGrowth(
  items: readonly Item[],
  similarity: (i: number, j: number) => number,
  threshold: number,
  sizes: readonly number[],
  density?: { k: number; margin: number }
) {
  const edited = new Set(items.flatMap((item) => (item.edit ? [item.photo] : [])));
  const distinct = items.flatMap((item, i) => (item.edit ? [] : [i]));
  const benchmark = distinct.filter((i) => edited.has(items[i].photo));
  const random = seededRandom(7);
  const others = distinct.filter((i) => !edited.has(items[i].photo)).sort(() => random() - 0.5);
  return sizes
    .filter((size) => size >= benchmark.length && size <= distinct.length)
    .map((size) => {
      const library = [...benchmark, ...others.slice(0, size - benchmark.length)];
      const counts = benchmark.map((i) => {
        const similarities = library.filter((j) => j !== i).map((j) => similarity(i, j));
        const floor = density ? Math.max(threshold, kthLargest(similarities, density.k) + density.margin) : threshold;
        return similarities.filter((value) => value >= floor).length;
      });
      return { size, perPhoto: counts.reduce((a, b) => a + b, 0) / counts.length, withOne: counts.filter((n) => n > 0).length / counts.length };
    });
}

/** Verifications of pairs, kept across the decisions measured: a pair is checked once whatever asks for it. */
const verifications = new Map<string, { verification: Verification; ms: number }>();

/** The two-stage decision in a space, as the worker and the scan apply it (with `budget`); measured against the truth. */
async function twoStage(
  items: readonly Item[],
  vectors: readonly number[][],
  threshold: number,
  features: (i: number) => Promise<LocalFeatures>,
  budget: { duplicates: number; checks: number } = VERIFICATION_BUDGET,
  /** Each item's candidates must be at least this similar (the density lever); the threshold alone when absent. */
  floors?: readonly number[]
) {
  const { cv } = await loadOpenCv();
  const counted = new Set<DuplicateKind>(DEFAULT_DUPLICATE_KINDS);
  const judged = new Map<string, SimilarPair & { verification: Verification }>();
  let checkMs = 0;
  const lists = neighbourLists([...vectors.keys()], (i, j) => dot(vectors[i], vectors[j]), threshold).map((list, i) =>
    floors ? list.filter(({ similarity }) => similarity >= floors[i]) : list
  );
  for (const [i, list] of lists.entries()) {
    await verifyClosest(
      list,
      async ({ j, similarity }) => {
        const [a, b] = [Math.min(i, j), Math.max(i, j)];
        const key = `${a}:${b}`;
        if (!verifications.has(key)) {
          const [fa, fb] = [await features(a), await features(b)];
          const started = process.hrtime.bigint();
          const verification = verifyPair(cv, fa, fb);
          verifications.set(key, { verification, ms: Number(process.hrtime.bigint() - started) / 1e6 });
        }
        const { verification, ms } = verifications.get(key)!;
        if (!judged.has(key)) {
          judged.set(key, { a, b, similarity, verification });
          checkMs += ms;
        }
        return verification.kind && counted.has(verification.kind) ? { duplicate: true, kind: verification.kind } : { duplicate: false };
      },
      budget
    );
  }
  const pairs = [...judged.values()].filter(({ verification: { kind } }) => kind && counted.has(kind));
  const samePicture = (p: SimilarPair) => items[p.a].photo === items[p.b].photo;
  const found = new Set(pairs.filter(samePicture).map((p) => `${p.a}:${p.b}`));
  const originalOf = new Map(items.flatMap((item, i) => (item.edit ? [] : [[item.photo, i] as const])));
  const copies = items.flatMap((item, i) => (item.edit ? [i] : []));
  const truePairsFound = copies.filter((c) => {
    const o = originalOf.get(items[c].photo)!;
    return found.has(`${Math.min(c, o)}:${Math.max(c, o)}`);
  }).length;
  const falsePairs = pairs.filter((p) => !samePicture(p));
  const falselyMatched = new Set(falsePairs.flatMap((p) => [p.a, p.b]).filter((i) => items[i].edit));
  const similarShotPairs = falsePairs.filter((p) => items[p.a].set && items[p.a].set === items[p.b].set);
  const groups = groupDuplicates(pairs, threshold, new Set());
  const distinct = items.filter((item) => !item.edit).length;
  const withCandidates = new Set(lists.flatMap((list, i) => (list.length > 0 ? [i] : [])));
  return {
    truePairsFound: truePairsFound / copies.length,
    queriesFalselyMatched: falselyMatched.size / copies.length,
    falsePairsPer1000: (falsePairs.length / items.length) * 1000,
    similarShotPairs: similarShotPairs.length,
    groups: groups.length,
    largestGroup: Math.max(0, ...groups.map((group) => group.length)),
    mixedGroups: groups.filter((group) => new Set(group.map((i) => items[i].photo)).size > 1).length,
    checks: judged.size,
    checkMs: checkMs / Math.max(1, judged.size),
    /** Distinct photos (no copy of them made) that had a candidate: what verification costs in a library without copies. */
    distinctWithCandidates: items.filter((item, i) => !item.edit && withCandidates.has(i)).length / distinct,
    withCandidates: withCandidates.size,
    kinds: kindsPerEdit(items, judged, originalOf),
  };
}

/** The kind each edit's copy is named against its original, among the pairs the decision checked. */
function kindsPerEdit(items: readonly Item[], judged: Map<string, SimilarPair & { verification: Verification }>, originalOf: Map<string, number>) {
  const counts = new Map<string, Record<string, number>>();
  items.forEach((item, c) => {
    if (!item.edit) return;
    const o = originalOf.get(item.photo)!;
    const pair = judged.get(`${Math.min(c, o)}:${Math.max(c, o)}`);
    const kind = pair ? (pair.verification.kind ?? 'not verified') : 'not a candidate';
    const row = counts.get(item.edit) ?? {};
    row[kind] = (row[kind] ?? 0) + 1;
    counts.set(item.edit, row);
  });
  return [...counts].map(([edit, row]) => {
    const total = Object.values(row).reduce((a, b) => a + b, 0);
    return { edit, ...Object.fromEntries(Object.entries(row).map(([kind, n]) => [kind, `${Math.round((n / total) * 100)}%`])) };
  });
}

async function main() {
  const items = await library();
  const distinct = items.filter((item) => !item.edit).length;
  console.log(
    `${distinct} distinct photos (${items.filter((item) => item.set).length} of them similar shots in sets), ${items.length - distinct} edited copies of ${items.filter((item) => item.edit).length / variantNames.length} of them; indexed from ${INDEXED_FROM === 'formats' ? "Strapi's stored formats" : 'the originals'}`
  );
  const bytes = items.map((item) => item.bytes);
  const model = resolveModel(modelSchema.parse({}));
  const decode = preprocessingSchema.parse({});

  // The seed system's feature: Keras's own global average pooling (avg_pool).
  const averaged = await loadExtractor({ ...model, id: 'resnet50_avg', outputLayer: 'avg_pool', pooling: 'none' });
  const avgPool = vectorsOnly(await cachedVectors('resnet50_avg', bytes, (images) => vectorsOf(averaged, images, { ...decode, size: 224 })));
  averaged.dispose();
  // The shipped descriptor before it summed R-MAC's regions: GeM over the whole map.
  const wholeMap = await loadExtractor({ ...model, id: 'resnet50_gem', pooling: 'gem' });
  const gemWhole = vectorsOnly(await cachedVectors('resnet50_gem', bytes, (images) => vectorsOf(wholeMap, images, { ...decode, size: 224 })));
  wholeMap.dispose();
  const extractor: FeatureExtractor = await loadExtractor(model);
  // Decode + model per image, timed over the images not already cached (null when every one was).
  let [embedded, embedTime] = [0, 0];
  const gem = vectorsOnly(
    await cachedVectors(model.id, bytes, async (images) => {
      const started = Date.now();
      const vectors = await vectorsOf(extractor, images, { ...decode, size: 224 });
      [embedded, embedTime] = [embedded + images.length, embedTime + Date.now() - started];
      return vectors;
    })
  );
  const embedMs = embedded > 0 ? embedTime / embedded : null;

  // The shipped space: learned from a sample of this library, as a rebuild learns it.
  const embedder = createEmbedder({ extractor, decode, concurrency: 4 });
  const random = seededRandom(2026);
  const sample = [...items.keys()].sort(() => random() - 0.5).slice(0, whitening.sampleSize);
  const learnStarted = Date.now();
  const projection = await learnProjection({
    modelId: model.id,
    inputDim: model.dim,
    count: sample.length,
    minImages: whitening.minImages,
    read: async (i) => items[sample[i]].bytes,
    embed: async (images) => cachedVectors(model.id, images, async (missing) => (await embedder.embedBytes(missing)).map((result) => (result instanceof Error ? result : result.vector))),
    fit: (input) => extractor.fitWhitening(input),
  });
  const learnSeconds = (Date.now() - learnStarted) / 1000;
  extractor.dispose();
  if (!projection) throw new Error('too few images to learn a whitening from');
  const learned = spaceOf(projection);
  // For analysis after the run: the items in order (by digest, so the cached vectors are found) and the projection.
  fs.writeFileSync(path.join(CACHE, 'items.json'), JSON.stringify(items.map(({ bytes: b, photo, edit, set }) => ({ digest: digest(b), photo: path.basename(photo), edit, set }))));
  fs.writeFileSync(path.join(CACHE, 'projection.json'), JSON.stringify({ ...projection, mean: [...projection.mean], matrix: [...projection.matrix] }));
  console.log(`learned ${projection.id} from ${projection.fittedOn.images} images in ${learnSeconds.toFixed(0)} s: thresholds ${JSON.stringify(projection.thresholds)}`);
  const whitened = gem.map((vector) => toSpace(learned, vector));
  const hashes = await Promise.all(bytes.map(phash));

  const spaces: Array<{ name: string; similarity: (i: number, j: number) => number; threshold: number; vectors?: number[][] }> = [
    // avg_pool's and pHash's thresholds keep 95% of these copies (README): neither feature ships.
    { name: 'avg_pool (the seed system)', similarity: (i, j) => dot(avgPool[i], avgPool[j]), threshold: 0.663 },
    { name: 'GeM over the whole map (before)', similarity: (i, j) => dot(gemWhole[i], gemWhole[j]), threshold: identitySpace(model.dim).thresholds.duplicate },
    { name: "R-MAC GeM, the model's own space", similarity: (i, j) => dot(gem[i], gem[j]), threshold: identitySpace(model.dim).thresholds.duplicate, vectors: gem },
    { name: `R-MAC GeM + learned whitening, ${projection.dim}-d (shipped)`, similarity: (i, j) => dot(whitened[i], whitened[j]), threshold: projection.thresholds.duplicate, vectors: whitened },
    { name: '64-bit pHash', similarity: (i, j) => hashSimilarity(hashes[i], hashes[j]), threshold: 0.469 },
  ];
  const ranks = spaces.map(({ name, similarity }) => ({ name, ...ranking(items, similarity) }));
  printTable(
    'Recall@1 per edit (the original must rank first among every distinct photo)',
    [...variantNames, 'overall'].map((edit) => ({ edit, ...Object.fromEntries(ranks.map((r) => [r.name, pct(edit === 'overall' ? r.overall : r.perEdit[edit])])) }))
  );
  const stageOneRows = spaces.map(({ name, similarity, threshold }) => {
    const { kept, falsePairsPer1000, withCandidate } = stageOne(items, similarity, threshold);
    const rank = ranks.find((r) => r.name === name)!;
    return {
      'global descriptor': name,
      threshold: threshold.toFixed(2),
      'recall@1 (worst edit)': `${pct(rank.overall)} (${pct(rank.worst)})`,
      'true pairs at or above': pct(kept),
      'distinct photos with a candidate': pct(withCandidate),
      'false pairs per 1,000 photos': falsePairsPer1000.toFixed(1),
    };
  });
  printTable('Stage 1 alone, each descriptor at its threshold', stageOneRows);
  const growthSizes = [186, 400, distinct];
  const growth = spaces
    .filter((s) => s.vectors)
    .map(({ name, similarity, threshold }) => ({ name, rows: candidateGrowth(items, similarity, threshold, growthSizes) }));
  const shippedSpace = spaces.find((s) => s.vectors === whitened)!;
  for (const density of DENSITY_LEVERS) {
    growth.push({
      name: `... and ${density.margin} above the ${density.k}th closest`,
      rows: candidateGrowth(items, shippedSpace.similarity, shippedSpace.threshold, growthSizes, density),
    });
  }
  printTable(
    "Stage 1's false candidates per benchmark photo (share with one or more), as the library of distinct photos grows",
    growth.map(({ name, rows }) => ({ space: name, ...Object.fromEntries(rows.map((r) => [`${r.size} photos`, `${r.perPhoto.toFixed(2)} (${pct(r.withOne)})`])) }))
  );

  // Stage 2: each image's local features, from the worker's verification image, computed once and only when needed.
  const featureCache = new Map<number, Promise<LocalFeatures>>();
  let featureMs = 0;
  const features = (i: number) => {
    if (!featureCache.has(i)) {
      featureCache.set(
        i,
        (async () => {
          const image = await verificationImageOf(items[i].bytes);
          const at = process.hrtime.bigint();
          const result = await extractLocalFeatures(image);
          featureMs += Number(process.hrtime.bigint() - at) / 1e6;
          return result;
        })()
      );
    }
    return featureCache.get(i)!;
  };
  const decisions: Array<{ name: string; threshold: number } & Awaited<ReturnType<typeof twoStage>>> = [];
  for (const { name, threshold, vectors } of spaces.filter((s) => s.vectors)) {
    const result = await twoStage(items, vectors!, threshold, features);
    decisions.push({ name, threshold, ...result });
  }
  // The budget's lever, in the shipped space: more duplicates (and checks) before a file's verification stops.
  for (const budget of BUDGET_LEVERS) {
    const { threshold, vectors } = shippedSpace;
    decisions.push({ name: `... until ${budget.duplicates} duplicates or ${budget.checks} checks`, threshold, ...(await twoStage(items, vectors!, threshold, features, budget)) });
  }
  // The density lever, in the shipped space: candidates must also stand above the query's k-th closest image.
  const kth = new Map(DENSITY_LEVERS.map(({ k }) => [k, kthSimilarities(whitened, k)]));
  for (const { k, margin } of DENSITY_LEVERS) {
    const { threshold, vectors } = shippedSpace;
    const floors = kth.get(k)!.map((value) => value + margin);
    decisions.push({ name: `... and ${margin} above the ${k}th closest`, threshold, ...(await twoStage(items, vectors!, threshold, features, VERIFICATION_BUDGET, floors)) });
  }
  const perFeature = featureMs / featureCache.size;
  printTable(
    `The two-stage decision (stage 1, then keypoints verified closest first until ${VERIFICATION_BUDGET.duplicates} duplicates or ${VERIFICATION_BUDGET.checks} checks)`,
    decisions.map((d) => ({
      'stage 1': d.name,
      threshold: d.threshold.toFixed(2),
      'true pairs found': pct(d.truePairsFound),
      'queries falsely matched': `${(d.queriesFalselyMatched * 100).toFixed(2)}%`,
      'false pairs per 1,000 images': d.falsePairsPer1000.toFixed(2),
      groups: String(d.groups),
      'largest group': String(d.largestGroup),
      'groups mixing distinct photos': String(d.mixedGroups),
      'similar shots called copies': String(d.similarShotPairs),
      'pairs checked': String(d.checks),
      'distinct photos verified': pct(d.distinctWithCandidates),
    }))
  );
  const shipped = decisions[spaces.filter((s) => s.vectors).length - 1];
  const allKinds = [...new Set(shipped.kinds.flatMap((row) => Object.keys(row).filter((key) => key !== 'edit')))];
  printTable('Kind named per edit, as shipped', shipped.kinds.map((row) => Object.fromEntries([['edit', row.edit], ...allKinds.map((kind) => [kind, (row as Record<string, string>)[kind] ?? ''])])));
  // What verification adds to a worker's drain in a library without copies: features for the distinct photos that
  // have a candidate, and their checks; against decode + model per image (this run's).
  const distinctCost = (d: (typeof decisions)[number]) => d.distinctWithCandidates * perFeature;
  const ofEmbed = (ms: number) => (embedMs === null ? '' : ` (${((ms / embedMs) * 100).toFixed(0)}% of decode + model)`);
  console.log(
    `cost: decode + model ${embedMs === null ? 'not measured (every vector cached)' : `${embedMs.toFixed(1)} ms per image`}; local features ${perFeature.toFixed(1)} ms (${featureCache.size} images), a pair check ${shipped.checkMs.toFixed(1)} ms; ` +
      `learning the whitening ${learnSeconds.toFixed(0)} s for ${projection.fittedOn.images} images. Features of distinct photos with candidates, per library image: ` +
      decisions.map((d) => `${d.name}: ${distinctCost(d).toFixed(1)} ms${ofEmbed(distinctCost(d))}`).join('; ')
  );
  const result = {
    bench: 'quality',
    indexedFrom: INDEXED_FROM,
    distinct,
    copies: items.length - distinct,
    edits: variantNames,
    projection: { id: projection.id, thresholds: projection.thresholds, fittedOn: projection.fittedOn, learnSeconds },
    ranking: ranks,
    stageOne: stageOneRows,
    candidateGrowth: growth,
    decisions: decisions.map(({ kinds: _, ...d }) => d),
    kinds: shipped.kinds,
    featureMs: perFeature,
    embedMs,
  };
  writeResults(INDEXED_FROM === 'formats' ? 'quality' : 'quality-from-originals', result);
  console.log(JSON.stringify(result));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
