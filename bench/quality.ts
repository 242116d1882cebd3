import fs from 'node:fs';
import path from 'node:path';
import { configSchema, preprocessingSchema, modelSchema } from '../server/src/config/schema';
import { DEFAULT_DUPLICATE_KINDS, type DuplicateKind } from '../server/src/contracts/duplicate-kinds';
import { loadExtractor, type FeatureExtractor } from '../server/src/embedding/extractor';
import { resolveModel } from '../server/src/embedding/models';
import { groupDuplicates, REVIEW_NEIGHBOURS, type SimilarPair } from '../server/src/similarity/grouping';
import { neighbourLists, pairsAmong } from '../server/src/similarity/pairs-among';
import { VERIFICATION_BUDGET, verifyClosest } from '../server/src/similarity/verify-closest';
import { PACKAGE_ROOT } from '../server/src/utils/paths';
import { extractLocalFeatures, type LocalFeatures } from '../server/src/verification/local-features';
import { loadOpenCv } from '../server/src/verification/opencv';
import { MIN_AGREEMENT, verifyPair } from '../server/src/verification/verify-pair';
import { vectorsOf, verificationImageOf } from './features';
import { hashSimilarity, phash } from './phash';
import { benchmarkPhotos } from './photos';
import { printTable } from './stats';
import { makeVariant, VARIANTS, type VariantName } from './variants';

/**
 * Near-duplicate quality on real photos. Every photo is the library (and the distractors of every other); each
 * edited copy of it is a query. Reported per edit: recall@1, recall@10 and mAP (one relevant item per query, so
 * mAP is the mean reciprocal rank of the original). Then the question editors feel: take the threshold that keeps
 * 95% (99%) of the true (copy, original) pairs; how many queries also match a photo that is not their original,
 * and how many pairs of distinct library photos score above it, per 1,000 photos. Last, the duplicates review's
 * groups over originals and copies together: how large they get, and how many mix distinct photos.
 */

const CACHE = path.join(PACKAGE_ROOT, '.cache', 'quality-variants');
const variantNames = Object.keys(VARIANTS) as VariantName[];

interface Method {
  name: string;
  /** Representations of the images, in order. */
  represent(images: Buffer[]): Promise<unknown[]>;
  similarity(a: unknown, b: unknown): number;
}

interface Represented {
  name: string;
  library: unknown[];
  queries: unknown[];
  similarity(a: unknown, b: unknown): number;
}

const dot = (a: unknown, b: unknown) => {
  const x = a as number[];
  const y = b as number[];
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i] * y[i];
  return sum;
};

function cnnMethod(name: string, extractor: FeatureExtractor, trimBorders: boolean): Method {
  const decode = { ...preprocessingSchema.parse({}), trimBorders, size: extractor.model.inputSize };
  return {
    name,
    represent: (images) => vectorsOf(extractor, images, decode),
    similarity: dot,
  };
}

const phashMethod: Method = {
  name: 'pHash, 64 bits',
  represent: (images) => Promise.all(images.map(phash)),
  similarity: (a, b) => hashSimilarity(a as bigint, b as bigint),
};

/** The edited copies, made once and kept under .cache so later runs skip the work. */
async function variantsOf(photo: string): Promise<Buffer[]> {
  const dir = path.join(CACHE, path.basename(photo));
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

const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.floor(q * (values.length - 1))];

interface Result {
  method: string;
  perVariant: Record<string, { recall1: number; recall10: number; map: number }>;
  overall: { recall1: number; recall10: number; map: number; worstRecall1: number };
  thresholds: Array<{ kept: number; threshold: number; falseMatchQueries: number; falsePairsPer1000: number }>;
}

/**
 * Vectors centred on the library's mean, then L2-normalized again. ReLU features all sit in one orthant, so every
 * pair shares a large common component; removing it leaves what tells photos apart.
 */
function centred(base: Represented): Represented {
  const library = base.library as number[][];
  const mean = library[0].map((_, d) => library.reduce((sum, vector) => sum + vector[d], 0) / library.length);
  const centre = (vector: number[]) => {
    const shifted = vector.map((value, d) => value - mean[d]);
    const norm = Math.hypot(...shifted) || 1;
    return shifted.map((value) => value / norm);
  };
  return { ...base, name: `${base.name}, centred`, library: library.map(centre), queries: (base.queries as number[][]).map(centre) };
}

function evaluate({ name, library, queries, similarity }: Represented): Result {
  const perVariant: Result['perVariant'] = {};
  const trueScores: number[] = [];
  const bestImpostors: number[] = [];
  const ranks: number[][] = variantNames.map(() => []);
  queries.forEach((query, q) => {
    const photo = Math.floor(q / variantNames.length);
    const variant = q % variantNames.length;
    const own = similarity(query, library[photo]);
    let better = 0;
    let impostor = -Infinity;
    library.forEach((item, i) => {
      if (i === photo) return;
      const score = similarity(query, item);
      if (score >= own) better++;
      impostor = Math.max(impostor, score);
    });
    ranks[variant].push(better + 1);
    trueScores.push(own);
    bestImpostors.push(impostor);
  });
  const summary = (list: number[]) => ({
    recall1: list.filter((rank) => rank === 1).length / list.length,
    recall10: list.filter((rank) => rank <= 10).length / list.length,
    map: list.reduce((sum, rank) => sum + 1 / rank, 0) / list.length,
  });
  variantNames.forEach((name, v) => (perVariant[name] = summary(ranks[v])));
  const overall = { ...summary(ranks.flat()), worstRecall1: Math.min(...Object.values(perVariant).map((r) => r.recall1)) };

  const libraryPairs: number[] = [];
  for (let i = 0; i < library.length; i++) for (let j = i + 1; j < library.length; j++) libraryPairs.push(similarity(library[i], library[j]));
  const thresholds = [0.95, 0.99].map((kept) => {
    const threshold = quantile(trueScores, 1 - kept);
    return {
      kept,
      threshold,
      falseMatchQueries: bestImpostors.filter((score) => score >= threshold).length / bestImpostors.length,
      falsePairsPer1000: (libraryPairs.filter((score) => score >= threshold).length / library.length) * 1000,
    };
  });
  return { method: name, perVariant, overall, thresholds };
}

/** Connected components of the pairs: how groups were formed before they stopped chaining. */
function singleLinkGroups(pairs: readonly SimilarPair[]): number[][] {
  const parent = new Map<number, number>();
  const root = (id: number): number => (parent.get(id) === id ? id : root(parent.get(id)!));
  for (const { a, b } of pairs) {
    for (const id of [a, b]) if (!parent.has(id)) parent.set(id, id);
    parent.set(root(a), root(b));
  }
  const groups = new Map<number, number[]>();
  for (const id of parent.keys()) groups.set(root(id), [...(groups.get(root(id)) ?? []), id]);
  return [...groups.values()];
}

/**
 * The review's groups over originals and copies together, from each image's nearest neighbours at or above the
 * threshold, as the duplicates page forms them; single-link (before) against keeper groups (shipped).
 */
function groupQuality({ name, library, queries, similarity }: Represented, threshold: number) {
  const items = [...library, ...queries];
  const photoOf = (i: number) => (i < library.length ? i : Math.floor((i - library.length) / variantNames.length));
  const pairs = pairsAmong(items, similarity, threshold);
  const describe = (grouping: string, groups: number[][]) => {
    const groupOf = new Map(groups.flatMap((group, g) => group.map((id) => [id, g] as const)));
    const copiesWithOriginal = queries.filter((_, q) => {
      const g = groupOf.get(library.length + q);
      return g !== undefined && g === groupOf.get(photoOf(library.length + q));
    }).length;
    return {
      method: name,
      threshold: threshold.toFixed(2),
      grouping,
      groups: String(groups.length),
      'largest group': String(Math.max(0, ...groups.map((group) => group.length))),
      'groups mixing distinct photos': String(groups.filter((group) => new Set(group.map(photoOf)).size > 1).length),
      'copies grouped with their original': `${((copiesWithOriginal / queries.length) * 100).toFixed(1)}%`,
    };
  };
  return [describe('single-link (before)', singleLinkGroups(pairs)), describe('keeper groups (shipped)', groupDuplicates(pairs, threshold, new Set()))];
}

/** Each image's local features, from the worker's verification image. */
async function verificationFeatures(images: Buffer[]): Promise<LocalFeatures[]> {
  const features: LocalFeatures[] = [];
  for (const bytes of images) features.push(await extractLocalFeatures(await verificationImageOf(bytes)));
  return features;
}

/**
 * The shipped two-stage decision over originals and copies together, as the worker and the scan apply it: each
 * image's nearest neighbours at or above the stage-1 threshold are candidates, and a candidate is a duplicate when
 * its verification names a kind the decision counts. Measured against the truth (copies of one photo, and the photo).
 */
async function twoStageQuality(shipped: Represented, features: LocalFeatures[], threshold: number) {
  const { cv } = await loadOpenCv();
  const { library, queries, similarity } = shipped;
  const items = [...library, ...queries];
  const photoOf = (i: number) => (i < library.length ? i : Math.floor((i - library.length) / variantNames.length));
  // Before: each file's 6 closest candidates, all verified.
  const candidates = pairsAmong(items, similarity, threshold, 6);
  // The cap's lever: more candidates per file verified, up to the review's neighbours.
  const widerCaps = [10, REVIEW_NEIGHBOURS];
  const widerCandidates = widerCaps.map((cap) => pairsAmong(items, similarity, threshold, cap));
  const widest = widerCandidates[widerCandidates.length - 1];
  const counted = new Set<DuplicateKind>(DEFAULT_DUPLICATE_KINDS);
  // Shipped: each file's candidates verified closest first, within the budget, as the worker and the scan do.
  const keyOf = (pair: SimilarPair) => `${pair.a}:${pair.b}`;
  const judged = new Map<string, SimilarPair & { kind: DuplicateKind | null }>();
  const started = Date.now();
  for (const [i, list] of neighbourLists(items, similarity, threshold).entries()) {
    await verifyClosest(list, async ({ j, similarity: score }) => {
      const pair = { a: Math.min(i, j), b: Math.max(i, j), similarity: score };
      if (!judged.has(keyOf(pair))) judged.set(keyOf(pair), { ...pair, kind: verifyPair(cv, features[pair.a], features[pair.b]).kind });
      const { kind } = judged.get(keyOf(pair))!;
      return kind && counted.has(kind) ? { duplicate: true, kind } : { duplicate: false };
    });
  }
  const verifyMs = (Date.now() - started) / Math.max(1, judged.size);
  const verified = [...judged.values()].filter(({ kind }) => kind && counted.has(kind));
  // The structure gate's lever: every candidate verified once without it, then kept at each minimum agreement.
  const shippedKeys = new Set(candidates.map(keyOf));
  const ungatedWidest = widest.map((pair) => ({ pair, ...verifyPair(cv, features[pair.a], features[pair.b], -Infinity) }));
  const ungated = ungatedWidest.filter(({ pair }) => shippedKeys.has(keyOf(pair)));
  const gatedAt = (minimum: number, among = ungated) =>
    among.flatMap(({ pair, kind, match }) => (kind && counted.has(kind) && (match?.agreement == null || match.agreement >= minimum) ? [pair] : []));
  const verifiedAmong = (pairs: SimilarPair[]) => {
    const keys = new Set(pairs.map(keyOf));
    return gatedAt(MIN_AGREEMENT, ungatedWidest.filter(({ pair }) => keys.has(keyOf(pair))));
  };
  const agreements = (same: boolean) =>
    ungated.flatMap(({ pair, kind, match }) => (kind && counted.has(kind) && match?.agreement != null && (photoOf(pair.a) === photoOf(pair.b)) === same ? [match.agreement] : []));
  const quantiles = (values: number[]) => [0.01, 0.05, 0.25, 0.5, 0.75].map((q) => values.sort((x, y) => x - y)[Math.floor(q * (values.length - 1))]?.toFixed(2)).join(' / ');
  console.log(`structure agreement (1%/5%/25%/50%/75%) of verified true pairs ${quantiles(agreements(true))}, of verified false pairs ${quantiles(agreements(false))}`);
  const rows = [
    { stage: 'stage 1 alone, 6 closest (before)', pairs: candidates },
    { stage: 'stage 1 + geometric verification, no structure gate (before)', pairs: gatedAt(-Infinity) },
    ...[0.3, 0.4, 0.5, 0.7].map((minimum) => ({ stage: `... structure agreement >= ${minimum}`, pairs: gatedAt(minimum) })),
    { stage: `... structure agreement >= ${MIN_AGREEMENT}, 6 closest verified (before)`, pairs: gatedAt(MIN_AGREEMENT) },
    {
      stage: `verified until ${VERIFICATION_BUDGET.duplicates} duplicates or ${VERIFICATION_BUDGET.checks} checks, structure >= ${MIN_AGREEMENT} (shipped)`,
      pairs: verified,
    },
    ...widerCaps.flatMap((cap, i) => [
      { stage: `stage 1 alone, each file's ${cap} closest candidates`, pairs: widerCandidates[i] },
      { stage: `... verified as shipped, ${cap} candidates per file`, pairs: verifiedAmong(widerCandidates[i]) },
    ]),
  ].map(({ stage, pairs }) => {
    const truePairs = new Set(pairs.filter((p) => photoOf(p.a) === photoOf(p.b)).map((p) => `${Math.min(p.a, p.b)}:${Math.max(p.a, p.b)}`));
    const found = queries.filter((_, q) => truePairs.has(`${photoOf(library.length + q)}:${library.length + q}`)).length;
    const falsePairs = pairs.filter((p) => photoOf(p.a) !== photoOf(p.b));
    const falselyMatched = new Set(falsePairs.flatMap((p) => [p.a, p.b]).filter((i) => i >= library.length));
    const groups = groupDuplicates(pairs, threshold, new Set());
    return {
      decision: stage,
      threshold: threshold.toFixed(2),
      'true pairs found': `${((found / queries.length) * 100).toFixed(1)}%`,
      'queries falsely matched': `${((falselyMatched.size / queries.length) * 100).toFixed(2)}%`,
      'false pairs per 1,000 images': ((falsePairs.length / items.length) * 1000).toFixed(2),
      groups: String(groups.length),
      'largest group': String(Math.max(0, ...groups.map((group) => group.length))),
      'groups mixing distinct photos': String(groups.filter((group) => new Set(group.map(photoOf)).size > 1).length),
    };
  });
  const kinds = variantNames.map((name, v) => {
    const counts: Record<string, number> = {};
    queries.forEach((_, q) => {
      if (q % variantNames.length !== v) return;
      const { kind } = verifyPair(cv, features[photoOf(library.length + q)], features[library.length + q]);
      counts[kind ?? 'not verified'] = (counts[kind ?? 'not verified'] ?? 0) + 1;
    });
    const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
    return { edit: name, ...Object.fromEntries(Object.entries(counts).map(([kind, n]) => [kind, `${((n / total) * 100).toFixed(0)}%`])) };
  });
  const withCandidates = new Set([...judged.values()].flatMap((pair) => [pair.a, pair.b])).size;
  return { rows, kinds, candidates: judged.size, widerCandidates: widerCandidates.map((pairs) => pairs.length), withCandidates, verifyMs };
}

async function main() {
  const photos = benchmarkPhotos();
  console.log(`${photos.length} photos, ${variantNames.length} edits each: ${photos.length * variantNames.length} queries`);
  const originals = photos.map((photo) => fs.readFileSync(photo));
  const copies = await Promise.all(photos.map(variantsOf));
  const shipped = resolveModel(modelSchema.parse({}));
  // The step before: Keras's own global average pooling (avg_pool), the seed system's feature.
  const averaged = await loadExtractor({ ...shipped, id: 'resnet50_avg', outputLayer: 'avg_pool', pooling: 'none' });
  const extractor = await loadExtractor(shipped);
  const methods = [
    cnnMethod('avg_pool, trimmed', averaged, true),
    cnnMethod('GeM, trimmed (shipped)', extractor, true),
    cnnMethod('GeM, no trimming', extractor, false),
    phashMethod,
  ];
  const represented: Represented[] = [];
  const representMs = new Map<string, number>();
  for (const method of methods) {
    const started = Date.now();
    represented.push({ name: method.name, library: await method.represent(originals), queries: await method.represent(copies.flat()), similarity: method.similarity });
    representMs.set(method.name, Date.now() - started);
    console.log(`${method.name}: ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  averaged.dispose();
  extractor.dispose();
  represented.splice(1, 0, centred(represented[0]));
  represented.splice(3, 0, centred(represented[2]));
  const results = represented.map(evaluate);

  const pct = (value: number) => `${(value * 100).toFixed(1)}%`;
  printTable(
    'Recall@1 per edit',
    [...variantNames, 'overall'].map((name) => ({
      edit: name,
      ...Object.fromEntries(results.map((r) => [r.method, pct(name === 'overall' ? r.overall.recall1 : r.perVariant[name].recall1)])),
    }))
  );
  printTable(
    'Recall@10 and mAP, overall',
    results.map((r) => ({ method: r.method, 'recall@1': pct(r.overall.recall1), 'worst edit recall@1': pct(r.overall.worstRecall1), 'recall@10': pct(r.overall.recall10), mAP: r.overall.map.toFixed(3) }))
  );
  printTable(
    'One threshold for "duplicate"',
    results.flatMap((r) =>
      r.thresholds.map((t) => ({
        method: r.method,
        'true pairs kept': pct(t.kept),
        threshold: t.threshold.toFixed(3),
        'queries also matching another photo': pct(t.falseMatchQueries),
        'false pairs per 1,000 photos': t.falsePairsPer1000.toFixed(1),
      }))
    )
  );
  const shippedThreshold = configSchema.shape.search.parse({}).duplicateThreshold;
  const shippedMethod = represented.find((r) => r.name.includes('(shipped)'))!;
  const groups = groupQuality(shippedMethod, shippedThreshold);
  printTable('Duplicate groups over originals and copies, at the shipped duplicateThreshold', groups);

  const featureStart = Date.now();
  const features = await verificationFeatures([...originals, ...copies.flat()]);
  const featureMs = (Date.now() - featureStart) / features.length;
  const decision = await twoStageQuality(shippedMethod, features, shippedThreshold);
  printTable('The two-stage duplicate decision over originals and copies', decision.rows);
  // Which kind each edit's copy is named against its original: every row should be the edit's own kind.
  const allKinds = [...new Set(decision.kinds.flatMap((row) => Object.keys(row).filter((key) => key !== 'edit')))];
  printTable('Kind named per edit', decision.kinds.map((row) => Object.fromEntries([['edit', row.edit], ...allKinds.map((kind) => [kind, (row as Record<string, string>)[kind] ?? ''])])));
  console.log(
    `verification: ${featureMs.toFixed(1)} ms of local features per image, ${decision.verifyMs.toFixed(1)} ms per candidate pair, ${decision.candidates} pairs checked within the budget (${decision.widerCandidates.join(' and ')} candidate pairs at 10 and ${REVIEW_NEIGHBOURS} per file)`
  );
  // What verification adds to the decode + model work per image, over this set (nearly every image has copies).
  const extractionMs = representMs.get(shippedMethod.name)! / features.length;
  const verificationMs = (featureMs * decision.withCandidates + decision.verifyMs * decision.candidates) / features.length;
  console.log(
    `cost: decode + model ${extractionMs.toFixed(1)} ms per image; verification adds ${verificationMs.toFixed(1)} ms (${((verificationMs / extractionMs) * 100).toFixed(0)}%), ` +
      `${decision.withCandidates} of ${features.length} images having candidates`
  );
  console.log(JSON.stringify({ bench: 'quality', photos: photos.length, edits: variantNames, results, groups, decision: decision.rows, kinds: decision.kinds, featureMs, verifyMs: decision.verifyMs }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
