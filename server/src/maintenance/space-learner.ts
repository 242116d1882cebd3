import { toMediaFile } from '../capture/event-builder';
import { formatToIndex } from '../indexing/stored-format';
import type { PluginConfig } from '../config/schema';
import type { FeatureExtractor } from '../embedding/extractor';
import type { ModelSpec } from '../embedding/models';
import { errorMessage } from '../errors/pipeline-errors';
import type { Embedder } from '../indexing/embedder';
import type { FileSource } from '../indexing/file-source';
import type { FileRecords } from '../strapi-data/file-records';
import type { SpaceFit, SpaceFits } from '../strapi-data/space-fits';
import type { Logger } from '../utils/logger';
import type { ProjectionStore } from '../vector-store/types';
import { learnProjection } from '../whitening/learn';
import { identitySpace, spaceOf, type Space } from '../whitening/projection';

/**
 * Learns the space a new collection is built in, from the library: a random sample of its images, read the way
 * the workers read them, embedded by Strapi's model process and edited the project's own ways (whitening/learn.ts).
 * The projection is stored in Milvus before any collection is built in it; progress is kept in Strapi's database.
 */
export interface SpaceLearner {
  /** Whether learn() would learn: whitening is on, and the library has enough images. */
  canLearn(): Promise<boolean>;
  /**
   * Learns the space (the model's own when whitening is off or the library has too few readable images) and hands
   * it to `build`, which builds the new collection in it; the fit counts as under way until that is done, so the
   * status never shows a moment with neither.
   */
  learn(build: (space: Space) => Promise<void>): Promise<void>;
  /** The latest fit, for the status page. */
  latest(): Promise<SpaceFit | null>;
}

export function createSpaceLearner(deps: {
  config: PluginConfig;
  model: ModelSpec;
  files: Pick<FileRecords, 'sampleImages' | 'countImages'>;
  readFile: FileSource;
  embedder: () => Promise<Embedder>;
  extractor: () => Promise<FeatureExtractor>;
  projections: () => ProjectionStore;
  fits: SpaceFits;
  logger: Logger;
}): SpaceLearner {
  const { config, model, files, readFile, fits, logger } = deps;
  const { enabled, minImages, sampleSize } = config.whitening;
  /** Where a sampled file's pixels are read: from the format the worker indexes it from, as the worker does. */
  const pixelsOf = (row: Record<string, unknown>) => {
    const file = toMediaFile(row);
    return { id: file.id, url: (config.worker.useStoredFormats && formatToIndex(file)?.url) || file.url };
  };

  return {
    canLearn: async () => enabled && (await files.countImages()) >= minImages,

    async learn(build) {
      const identity = identitySpace(model.dim);
      if (!enabled) return build(identity);
      const sample = await files.sampleImages(sampleSize);
      const fit = await fits.start(sample.length);
      if (sample.length < minImages) {
        await build(identity);
        return fits.finish(fit.id, { state: 'too-few', reason: `${sample.length} images, and learning needs ${minImages}` });
      }
      logger.info(`learning the index's whitening from ${sample.length} images of the library`);
      try {
        const [embedder, extractor] = await Promise.all([deps.embedder(), deps.extractor()]);
        const projection = await learnProjection({
          modelId: model.id,
          inputDim: model.dim,
          count: sample.length,
          minImages,
          read: (i) => readFile(pixelsOf(sample[i])),
          embed: async (images) => (await embedder.embedBytes(images)).map((result) => (result instanceof Error ? result : result.vector)),
          fit: (input) => extractor.fitWhitening(input),
          onProgress: (done) => void fits.advance(fit.id, done).catch(() => undefined),
        });
        if (!projection) {
          await build(identity);
          return fits.finish(fit.id, { state: 'too-few', reason: `fewer than ${minImages} of the ${sample.length} sampled images could be read` });
        }
        await deps.projections().save(projection);
        logger.info(`learned whitening ${projection.id} from ${projection.fittedOn.images} images: duplicate candidates from ${projection.thresholds.duplicate}, search from ${projection.thresholds.search}`);
        await build(spaceOf(projection));
        await fits.finish(fit.id, { state: 'learned', projection: projection.id });
      } catch (error) {
        await fits.finish(fit.id, { state: 'failed', reason: errorMessage(error) }).catch(() => undefined);
        throw error;
      }
    },

    latest: () => fits.latest(),
  };
}
