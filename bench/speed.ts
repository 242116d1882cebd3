import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { configSchema, modelSchema, preprocessingSchema, type PluginConfig } from '../server/src/config/schema';
import { decodeForModel, decodeImage, describeImage } from '../server/src/embedding/decode';
import { loadExtractor, loadTf, type FeatureExtractor } from '../server/src/embedding/extractor';
import { resolveModel } from '../server/src/embedding/models';
import { contentHashOf, createEmbedder } from '../server/src/indexing/embedder';
import { formatToIndex } from '../server/src/indexing/stored-format';
import { readLocalPath } from '../server/src/indexing/file-source';
import { PACKAGE_ROOT } from '../server/src/utils/paths';
import { mapConcurrently } from '../server/src/utils/map-concurrently';
import { pairSimilarity } from '../server/src/similarity/duplicate-decision';
import { pairsAmong } from '../server/src/similarity/pairs-among';
import { VERIFICATION_BUDGET } from '../server/src/similarity/verify-closest';
import { extractLocalFeatures, type LocalFeatures } from '../server/src/verification/local-features';
import { loadOpenCv } from '../server/src/verification/opencv';
import { verifyPair } from '../server/src/verification/verify-pair';
import { learnProjection } from '../server/src/whitening/learn';
import { identitySpace, spaceOf, toSpace } from '../server/src/whitening/projection';
import { vectorsOf, verificationImageOf } from './features';
import { benchmarkPhotos, cycle, samplePhotos } from './photos';
import { medianRate, printTable, writeResults } from './stats';
import { strapiFormats } from './strapi-formats';
import { makeVariant, VARIANTS, type VariantName } from './variants';

/**
 * Extraction speed on real photos, medians of ROUNDS runs: decode + trim + resize, the model at batch 1 and 8,
 * end to end (read, decode, model), and the same model in Python Keras for reference. Figures only: nothing here
 * passes or fails.
 */

const ROUNDS = Number(process.env.ROUNDS ?? 5);
/** Images per timed round. */
const IMAGES = Number(process.env.IMAGES ?? 16);
const DECODE_CONCURRENCY = 4;
/** From 3 megapixels a photo counts as camera-sized. */
const CAMERA_PIXELS = 3_000_000;
const KERAS_PYTHON = process.env.KERAS_PYTHON ?? path.join(PACKAGE_ROOT, '.services', 'keras', 'venv', 'bin', 'python');

function kerasReference(): { tensorflow: string; batch1: number; batch8: number } | string {
  if (!fs.existsSync(KERAS_PYTHON)) return `skipped: no Python TensorFlow at ${KERAS_PYTHON} (run scripts/setup-keras-reference.sh)`;
  try {
    const output = execFileSync(KERAS_PYTHON, [path.join(PACKAGE_ROOT, 'bench', 'keras_reference.py'), String(ROUNDS), String(IMAGES)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const result = JSON.parse(output.trim().split('\n').pop()!);
    // The faster of Keras's two ways to run the model is the bar.
    return {
      tensorflow: result.tensorflow,
      batch1: Math.max(result.predict.batch1, result.function.batch1),
      batch8: Math.max(result.predict.batch8, result.function.batch8),
    };
  } catch (error) {
    return `skipped: the Keras reference failed: ${(error as Error).message.split('\n')[0]}`;
  }
}

async function main() {
  const photos = samplePhotos();
  const files = cycle(photos, IMAGES);
  const bytes = files.map((file) => fs.readFileSync(file));
  const preprocessing = preprocessingSchema.parse({});
  const model = resolveModel(modelSchema.parse({}));
  const extractor = await loadExtractor(model);
  const eager = await loadExtractor(model, { execution: 'eager' });
  const tf = await loadTf();
  console.log(`${photos.length} photos, ${IMAGES} images a round, ${ROUNDS} rounds, model ${model.id}, backend ${tf.getBackend()}`);

  const decodeRate = await medianRate(ROUNDS, IMAGES, () =>
    mapConcurrently(bytes, DECODE_CONCURRENCY, (input) => decodeForModel(input, { ...preprocessing, size: model.inputSize }))
  );
  // The same on every benchmark photo, camera-sized ones (up to 10 MP, many progressive JPEGs) included.
  const allBytes = benchmarkPhotos().map((file) => fs.readFileSync(file));
  const decodeAllRate = await medianRate(ROUNDS, allBytes.length, () =>
    mapConcurrently(allBytes, DECODE_CONCURRENCY, (input) => decodeForModel(input, { ...preprocessing, size: model.inputSize }))
  );
  // As shipped: from the format Strapi stored at upload (made here untimed, as Strapi makes it), the original read
  // for its content hash and header; the original where Strapi stored no format that will do.
  const decodeOptions = { ...preprocessing, size: model.inputSize };
  const stored = await Promise.all(
    allBytes.map(async (original) => {
      const image = await strapiFormats(original);
      const chosen = formatToIndex(image);
      return { original, pixels: image.width * image.height, format: chosen && image.bytes.get(chosen.url) };
    })
  );
  const decodeAsShipped = (items: typeof stored) =>
    medianRate(ROUNDS, items.length, () =>
      mapConcurrently(items, DECODE_CONCURRENCY, async ({ original, format }) => {
        contentHashOf(original);
        return format ? decodeImage(format, decodeOptions, await describeImage(original)) : decodeImage(original, decodeOptions);
      })
    );
  const decodeStoredRate = await decodeAsShipped(stored);
  const fromFormats = stored.filter(({ format }) => format).length / stored.length;
  // Camera-sized photos, the case the decode target is set for: from their originals, and as shipped.
  const camera = stored.filter((item) => item.pixels >= CAMERA_PIXELS);
  const decodeCameraRate = await medianRate(ROUNDS, camera.length, () => mapConcurrently(camera, DECODE_CONCURRENCY, ({ original }) => decodeImage(original, decodeOptions)));
  const decodeCameraStoredRate = await decodeAsShipped(camera);
  const pixels = await Promise.all(bytes.map((input) => decodeForModel(input, { ...preprocessing, size: model.inputSize })));
  const modelRate = async (batch: number, run = extractor) =>
    medianRate(ROUNDS, IMAGES, async () => {
      for (let i = 0; i < IMAGES; i += batch) await run.extract(pixels.slice(i, i + batch));
    });
  const batch1 = await modelRate(1);
  const batch8 = await modelRate(8);
  const eager1 = await modelRate(1, eager);
  const eager8 = await modelRate(8, eager);
  // Both executions must compute the same vectors.
  const [fromGraph, fromEager] = [await extractor.extract(pixels.slice(0, 4)), await eager.extract(pixels.slice(0, 4))];
  const agreement = Math.min(...fromGraph.map((vector, i) => vector.reduce((sum, value, j) => sum + value * fromEager[i][j], 0)));
  eager.dispose();
  const embedder = createEmbedder({
    extractor,
    readFile: readLocalPath,
    decode: preprocessing,
    concurrency: DECODE_CONCURRENCY,
  });
  const endToEnd = await medianRate(ROUNDS, IMAGES, async () => {
    for (let i = 0; i < IMAGES; i += 8) await embedder.embed(files.slice(i, i + 8).map((url, id) => ({ id, url })));
  });
  // The seed system's single pass (Keras's avg_pool) against the shipped features, at the same batch.
  const averaged = await loadExtractor({ ...model, id: 'resnet50_avg', outputLayer: 'avg_pool', pooling: 'none' });
  const averaged8 = await modelRate(8, averaged);
  averaged.dispose();
  const decision = await decisionCost(bytes, allBytes, extractor, preprocessing);
  const keras = kerasReference();

  extractor.dispose();

  printTable('Speed (images/s, medians)', [
    { stage: 'decode + trim + resize (4 at once), sample photos', 'images/s': decodeRate },
    { stage: `decode + trim + resize (4 at once), all ${allBytes.length} benchmark photos`, 'images/s': decodeAllRate },
    { stage: `the same from Strapi's stored formats (${(fromFormats * 100).toFixed(0)}% have one that will do), as shipped`, 'images/s': decodeStoredRate },
    { stage: `decode + trim + resize, the ${camera.length} camera-sized photos (>= 3 MP), from their originals`, 'images/s': decodeCameraRate },
    { stage: `the same from Strapi's stored formats, hashing the original, as shipped`, 'images/s': decodeCameraStoredRate },
    { stage: 'model, batch 1 (TF graph, as the worker runs it)', 'images/s': batch1 },
    { stage: 'model, batch 8 (TF graph)', 'images/s': batch8 },
    { stage: 'model, batch 1 (tfjs layers, op by op)', 'images/s': eager1 },
    { stage: 'model, batch 8 (tfjs layers, op by op)', 'images/s': eager8 },
    { stage: 'end to end (read, decode, model; batches of 8)', 'images/s': endToEnd },
    ...(typeof keras === 'string'
      ? []
      : [
          { stage: `Keras ${keras.tensorflow}, batch 1`, 'images/s': keras.batch1 },
          { stage: `Keras ${keras.tensorflow}, batch 8`, 'images/s': keras.batch8 },
        ]),
  ]);
  const ratios = {
    modelVsKerasBatch1: typeof keras === 'string' ? null : batch1 / keras.batch1,
    modelVsKerasBatch8: typeof keras === 'string' ? null : batch8 / keras.batch8,
    decodeVsModelBatch8: decodeRate / batch8,
  };
  printTable('Ratios', [
    { ratio: 'model / Keras, batch 1 (target >= 1.0)', value: ratios.modelVsKerasBatch1 ?? 'n/a' },
    { ratio: 'model / Keras, batch 8 (target >= 1.0)', value: ratios.modelVsKerasBatch8 ?? 'n/a' },
    { ratio: 'decode / model at batch 8 (target >= 5), sample photos', value: ratios.decodeVsModelBatch8 },
    { ratio: 'decode / model at batch 8 (target >= 5), all photos', value: decodeAllRate / batch8 },
    { ratio: "decode / model at batch 8, all photos from Strapi's formats, as shipped", value: decodeStoredRate / batch8 },
    { ratio: 'decode / model at batch 8, camera-sized photos from their originals', value: decodeCameraRate / batch8 },
    { ratio: "decode / model at batch 8 (target >= 5), camera-sized photos from Strapi's formats, as shipped", value: decodeCameraStoredRate / batch8 },
    { ratio: 'TF graph / op by op, batch 8', value: batch8 / eager8 },
    { ratio: 'cosine of graph and op-by-op vectors (min)', value: agreement.toFixed(6) },
  ]);
  // What the duplicate decision adds to a worker's drain (read, decode, model), per image, from this run's figures.
  const drainMs = 1000 / endToEnd;
  const addedShare = (filesWithCandidates: number, copyChecks: number, distinctChecks = 0) =>
    (filesWithCandidates * decision.featuresMs + copyChecks * decision.pairMs + distinctChecks * decision.distinctPairMs) / drainMs;
  const featureRatio = averaged8 / batch8;
  const verification = {
    // 1% of the files a copy of another (each pair checked once, both files' features), plus the distinct photos'
    // own candidates at the threshold, as measured on the benchmark photos.
    onePercentCopies: addedShare(0.02 + decision.distinct.withCandidates, 0.01, decision.distinct.pairsPerImage),
    burstOfCopies: addedShare(1, VERIFICATION_BUDGET.duplicates),
    budgetSpent: addedShare(1, VERIFICATION_BUDGET.checks),
  };
  printTable('The duplicate decision\'s cost (one run)', [
    { figure: 'stage 1 features: shipped GeM cost / the seed\'s single avg_pool pass, batch 8 (target <= 2)', value: featureRatio },
    {
      figure: `distinct benchmark photos with a candidate at ${decision.distinct.threshold} (space ${decision.distinct.space}) / candidate pairs per photo`,
      value: `${decision.distinct.withCandidates.toFixed(3)} / ${decision.distinct.pairsPerImage.toFixed(3)}`,
    },
    { figure: 'local features per image, ms (median)', value: decision.featuresMs },
    { figure: 'one pair check, a copy, ms (median)', value: decision.pairMs },
    { figure: 'one pair check, two distinct photos, ms (median)', value: decision.distinctPairMs },
    { figure: 'verification / drain, 1% of files with a copy (target <= 0.15)', value: verification.onePercentCopies },
    { figure: `verification / drain, every file in a burst of copies (${VERIFICATION_BUDGET.duplicates} checks)`, value: verification.burstOfCopies },
    { figure: `verification / drain, every file spending its budget (${VERIFICATION_BUDGET.checks} checks)`, value: verification.budgetSpent },
  ]);
  if (typeof keras === 'string') console.log(`Keras reference ${keras}`);
  const result = {
    bench: 'speed',
    decodeToModel: decodeCameraStoredRate / batch8,
    rounds: ROUNDS,
    imagesPerRound: IMAGES,
    imagesPerSecond: { decode: decodeRate, decodeAllPhotos: decodeAllRate, decodeAllPhotosFromFormats: decodeStoredRate, decodeCameraPhotos: decodeCameraRate, decodeCameraPhotosFromFormats: decodeCameraStoredRate, modelBatch1: batch1, modelBatch8: batch8, eagerBatch1: eager1, eagerBatch8: eager8, endToEnd, keras: typeof keras === 'string' ? null : keras },
    ratios: { ...ratios, decodeAllPhotosVsModelBatch8: decodeAllRate / batch8, graphVsEagerBatch8: batch8 / eager8, graphEagerCosineMin: agreement, shippedVsAvgPoolBatch8: averaged8 / batch8 },
    decision: { ...decision, verificationVsDrain: verification },
  };
  writeResults('speed', result);
  console.log(JSON.stringify(result));
}

/**
 * Pair verification's two costs on the sample photos: a file's local features (once per file that has
 * candidates), and one pair check, a photo against each of its edited copies (as many pairs as images).
 */
async function decisionCost(originals: Buffer[], photos: Buffer[], extractor: FeatureExtractor, preprocessing: PluginConfig['preprocessing']) {
  const edits = Object.keys(VARIANTS) as VariantName[];
  const copies = await Promise.all(originals.map((original, i) => makeVariant(original, edits[i % edits.length])));
  const [originalImages, copyImages] = [await Promise.all(originals.map(verificationImageOf)), await Promise.all(copies.map(verificationImageOf))];
  let features: LocalFeatures[] = [];
  const featuresRate = await medianRate(ROUNDS, originals.length, async () => {
    features = [];
    for (const image of originalImages) features.push(await extractLocalFeatures(image));
  });
  const copyFeatures: LocalFeatures[] = [];
  for (const image of copyImages) copyFeatures.push(await extractLocalFeatures(image));
  const { cv } = await loadOpenCv();
  const pairRate = await medianRate(ROUNDS, originals.length, async () => {
    features.forEach((original, i) => verifyPair(cv, copyFeatures[i], original));
  });
  // A pair that is not a copy tries every way (both at one size, either halved, mirrored) before it is refused.
  const distinctPairRate = await medianRate(ROUNDS, originals.length, async () => {
    features.forEach((original, i) => verifyPair(cv, features[(i + 1) % features.length], original));
  });
  return { featuresMs: 1000 / featuresRate, pairMs: 1000 / pairRate, distinctPairMs: 1000 / distinctPairRate, distinct: await distinctCandidates(photos, extractor, preprocessing) };
}

/**
 * How often distinct photos are each other's candidates in the space a library of them learns, at its threshold:
 * what a library without copies verifies.
 */
async function distinctCandidates(photos: Buffer[], extractor: FeatureExtractor, preprocessing: PluginConfig['preprocessing']) {
  const { minImages, sampleSize } = configSchema.shape.whitening.parse({});
  const embedder = createEmbedder({ extractor, decode: preprocessing, concurrency: DECODE_CONCURRENCY });
  const projection = await learnProjection({
    modelId: extractor.model.id,
    inputDim: extractor.model.dim,
    count: Math.min(sampleSize, photos.length),
    minImages,
    read: async (i) => photos[i],
    embed: async (images) => (await embedder.embedBytes(images)).map((result) => (result instanceof Error ? result : result.vector)),
    fit: (input) => extractor.fitWhitening(input),
  });
  const space = projection ? spaceOf(projection) : identitySpace(extractor.model.dim);
  const vectors = (await vectorsOf(extractor, photos, { ...preprocessing, size: extractor.model.inputSize })).map((vector) => toSpace(space, vector));
  const threshold = space.thresholds.duplicate;
  const pairs = pairsAmong(vectors, pairSimilarity, threshold);
  const withCandidates = new Set(pairs.flatMap((pair) => [pair.a, pair.b])).size;
  return { space: space.id, threshold, withCandidates: withCandidates / photos.length, pairsPerImage: pairs.length / photos.length };
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
