import { modelSchema, preprocessingSchema, workerSchema } from '../server/src/config/schema';
import { loadExtractor, loadTf } from '../server/src/embedding/extractor';
import { resolveModel } from '../server/src/embedding/models';
import { createEmbedder } from '../server/src/indexing/embedder';
import { readLocalPath } from '../server/src/indexing/file-source';
import { cycle, samplePhotos } from './photos';
import { printTable } from './stats';

/**
 * The worker's memory over MEMORY_IMAGES images, in a process of its own: the embedder the worker uses, batches
 * of the default size, RSS sampled every 200 images. Flat means the last samples sit where the early ones did.
 */

const IMAGES = Number(process.env.MEMORY_IMAGES ?? 2000);
const SAMPLE_EVERY = 200;
const { batchSize: BATCH, decodeConcurrency } = workerSchema.parse(undefined);

async function main() {
  const tf = await loadTf();
  const extractor = await loadExtractor(resolveModel(modelSchema.parse({})));
  const embedder = createEmbedder({ extractor, readFile: readLocalPath, decode: preprocessingSchema.parse({}), concurrency: decodeConcurrency });
  const files = cycle(samplePhotos(), IMAGES);
  const tensorsBefore = tf.memory().numTensors;
  const samples: Array<{ images: number; rssMiB: number }> = [];
  let peak = 0;
  const started = Date.now();
  for (let i = 0; i < IMAGES; i += BATCH) {
    await embedder.embed(files.slice(i, i + BATCH).map((url, id) => ({ id, url })));
    const rssMiB = process.memoryUsage().rss / 2 ** 20;
    peak = Math.max(peak, rssMiB);
    if (Math.floor((i + BATCH) / SAMPLE_EVERY) > Math.floor(i / SAMPLE_EVERY)) samples.push({ images: i + BATCH, rssMiB });
  }
  const rate = IMAGES / ((Date.now() - started) / 1000);
  const tensorsLeft = tf.memory().numTensors - tensorsBefore;
  extractor.dispose();

  const first = samples[0]?.rssMiB ?? peak;
  const last = samples[samples.length - 1]?.rssMiB ?? peak;
  printTable(`Worker memory over ${IMAGES} images (${rate.toFixed(1)} images/s)`, [
    ...samples.map((sample) => ({ images: sample.images, 'RSS (MiB)': sample.rssMiB })),
    { images: 'peak', 'RSS (MiB)': peak },
  ]);
  printTable('Growth', [
    { measure: `RSS after ${IMAGES} / after ${samples[0]?.images ?? IMAGES} images`, value: last / first },
    { measure: 'tensors left behind', value: tensorsLeft },
  ]);
  console.log(JSON.stringify({ bench: 'memory', images: IMAGES, imagesPerSecond: rate, rssMiB: samples.map((s) => Math.round(s.rssMiB)), peakMiB: Math.round(peak), growth: last / first, tensorsLeft }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
