import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { modelSchema, preprocessingSchema } from '../server/src/config/schema';
import { decodeForModel } from '../server/src/embedding/decode';
import { loadExtractor, loadTf } from '../server/src/embedding/extractor';
import { resolveModel } from '../server/src/embedding/models';
import { createEmbedder } from '../server/src/indexing/embedder';
import { readLocalPath } from '../server/src/indexing/file-source';
import { PACKAGE_ROOT } from '../server/src/utils/paths';
import { mapConcurrently } from '../server/src/utils/map-concurrently';
import { benchmarkPhotos, cycle, samplePhotos } from './photos';
import { medianRate, printTable } from './stats';

/**
 * Extraction speed on real photos, medians of ROUNDS runs: decode + trim + resize, the model at batch 1 and 8,
 * end to end (read, decode, model), and the same model in Python Keras for reference. Figures only: nothing here
 * passes or fails.
 */

const ROUNDS = Number(process.env.ROUNDS ?? 5);
/** Images per timed round. */
const IMAGES = Number(process.env.IMAGES ?? 16);
const DECODE_CONCURRENCY = 4;
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
  const keras = kerasReference();

  extractor.dispose();

  printTable('Speed (images/s, medians)', [
    { stage: 'decode + trim + resize (4 at once), sample photos', 'images/s': decodeRate },
    { stage: `decode + trim + resize (4 at once), all ${allBytes.length} benchmark photos`, 'images/s': decodeAllRate },
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
    { ratio: 'TF graph / op by op, batch 8', value: batch8 / eager8 },
    { ratio: 'cosine of graph and op-by-op vectors (min)', value: agreement.toFixed(6) },
  ]);
  if (typeof keras === 'string') console.log(`Keras reference ${keras}`);
  console.log(
    JSON.stringify({
      bench: 'speed',
      rounds: ROUNDS,
      imagesPerRound: IMAGES,
      imagesPerSecond: { decode: decodeRate, decodeAllPhotos: decodeAllRate, modelBatch1: batch1, modelBatch8: batch8, eagerBatch1: eager1, eagerBatch8: eager8, endToEnd, keras: typeof keras === 'string' ? null : keras },
      ratios: { ...ratios, graphVsEagerBatch8: batch8 / eager8, graphEagerCosineMin: agreement },
    })
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
