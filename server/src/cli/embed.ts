import { readConfigFile } from '../config/file';
import { configSchema, modelSchema, preprocessingSchema } from '../config/schema';
import { loadExtractor } from '../embedding/extractor';
import { resolveModel } from '../embedding/models';
import { createEmbedder } from '../indexing/embedder';
import { readLocalPath } from '../indexing/file-source';

/**
 * The `embed` command: one JSON line per file, `{"file", "vector"}` or `{"file", "error"}`, computed by exactly
 * the worker's code path (decode, trim, resize, model, L2-normalize). For checking what the index sees,
 * computing vectors offline, and evaluating models on one's own images.
 */

export interface EmbedderOptions {
  /** A plugin config file; its model, preprocessing and search settings are used. */
  config?: string;
  /** A model id, when no config file says which. */
  model?: string;
  /** VGG16 weights, with --model vgg16. */
  weights?: string;
  trim: boolean;
}

export interface EmbedOptions extends EmbedderOptions {
  batchSize: number;
}

/** The worker's embedder for local files, as a config file or the options describe it; dispose the extractor after. */
export async function loadLocalEmbedder(options: EmbedderOptions) {
  const config = (options.config ? readConfigFile(options.config) : {}) as { model?: unknown; preprocessing?: Record<string, unknown>; search?: unknown; whitening?: unknown };
  const model = resolveModel(modelSchema.parse(config.model ?? { id: options.model ?? 'resnet50', ...(options.weights ? { weights: options.weights } : {}) }));
  const preprocessing = preprocessingSchema.parse({ ...config.preprocessing, ...(options.trim ? {} : { trimBorders: false }) });
  const extractor = await loadExtractor(model);
  const embedder = createEmbedder({ extractor, readFile: readLocalPath, decode: preprocessing, concurrency: 4 });
  return { extractor, embedder, search: configSchema.shape.search.parse(config.search ?? {}), whitening: configSchema.shape.whitening.parse(config.whitening ?? {}) };
}

/** Writes one line per file to `out`; resolves to the number of files that got no vector. */
export async function runEmbed(files: readonly string[], options: EmbedOptions, out: (line: string) => void): Promise<number> {
  const { extractor, embedder } = await loadLocalEmbedder(options);
  let failures = 0;
  try {
    for (let start = 0; start < files.length; start += options.batchSize) {
      const batch = files.slice(start, start + options.batchSize);
      const results = await embedder.embed(batch.map((file, i) => ({ id: start + i, url: file })));
      results.forEach((result, i) => {
        if (result instanceof Error) failures++;
        out(JSON.stringify(result instanceof Error ? { file: batch[i], error: result.message } : { file: batch[i], vector: result.vector }));
      });
    }
  } finally {
    extractor.dispose();
  }
  return failures;
}
