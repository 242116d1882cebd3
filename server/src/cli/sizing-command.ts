import { INDEX_TYPES, indexTypeFor } from '../config/schema';
import { PRESET_DIMS } from '../embedding/models';
import { WHITENED_DIM } from '../whitening/learn';
import { UsageError } from './command-line';
import { estimateCapacity, formatEstimate, type SizingInput } from './sizing';

/** Turns the `sizing` command's options into an estimate, printed as a table or JSON. */

type Options = Partial<Record<string, string | boolean>>;

function numberOption(options: Options, name: string, fallback: number | undefined, { min = 0, integer = false } = {}): number {
  const raw = options[name];
  if (raw === undefined) {
    if (fallback === undefined) throw new UsageError(`needs --${name}`, 'sizing');
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} of at least ${min}, not "${String(raw)}"`, 'sizing');
  }
  return value;
}

export function parseSizingOptions(options: Options): SizingInput {
  const model = String(options.model ?? 'resnet50');
  const presetDim = (PRESET_DIMS as Record<string, number>)[model];
  if (options.dim === undefined && presetDim === undefined)
    throw new UsageError(`--model must be one of ${Object.keys(PRESET_DIMS).join(', ')}, or give --dim`, 'sizing');
  const images = numberOption(options, 'images', undefined, { min: 1, integer: true });
  // Without --index, the one the plugin picks for a library this size (milvus.index.expectedImages).
  const index = String(options.index ?? indexTypeFor(images)).toUpperCase();
  if (!(INDEX_TYPES as readonly string[]).includes(index)) throw new UsageError(`--index must be one of ${INDEX_TYPES.join(', ')}`, 'sizing');
  return {
    images,
    // The index's dimension: a library past whitening.minImages is indexed in its learned 512-d space.
    dim: numberOption(options, 'dim', presetDim === undefined ? undefined : Math.min(presetDim, WHITENED_DIM), { min: 1, integer: true }),
    index: index as SizingInput['index'],
    contentTypesPerImage: numberOption(options, 'content-types-per-image', 1, { min: 1 }),
    // By default a tenth of the library changes each day.
    eventsPerDay: numberOption(options, 'events-per-day', Math.ceil(images / 10)),
    retentionDays: numberOption(options, 'retention-days', 7),
    replication: numberOption(options, 'replication', 1, { min: 1, integer: true }),
    imagesPerSecondPerWorker: numberOption(options, 'rate', 15, { min: 0.001 }),
    workers: numberOption(options, 'workers', 1, { min: 1, integer: true }),
    hnswM: 16,
  };
}

export function runSizing(options: Options): string {
  const input = parseSizingOptions(options);
  const estimate = estimateCapacity(input);
  return options.json ? JSON.stringify({ input, estimate }) : formatEstimate(input, estimate);
}
