/**
 * The plugin config from environment variables, for standalone workers and commands run where a config file is
 * awkward (containers); the demo app's config/plugins.js reads the same. Only the variables that are set appear;
 * the schema then fills defaults and validates, as for a file.
 */

const text = (value: string) => value;
const list = (value: string) => value.split(',').map((item) => item.trim()).filter(Boolean);
const flag = (value: string) => /^(1|true|yes|on)$/i.test(value.trim());
/** Not a number stays a string, so the schema names the variable's key in its error. */
const number = (value: string) => (value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value);

export const CONFIG_ENV: ReadonlyArray<readonly [name: string, path: readonly string[], parse: (value: string) => unknown]> = [
  ['KAFKA_BROKERS', ['kafka', 'brokers'], list],
  ['KAFKA_SSL', ['kafka', 'ssl'], flag],
  ['KAFKA_SASL_MECHANISM', ['kafka', 'sasl', 'mechanism'], text],
  ['KAFKA_SASL_USERNAME', ['kafka', 'sasl', 'username'], text],
  ['KAFKA_SASL_PASSWORD', ['kafka', 'sasl', 'password'], text],
  ['KAFKA_TOPIC_PARTITIONS', ['kafka', 'topicPartitions'], number],
  ['IMAGE_SEARCH_TOPIC', ['kafka', 'topic'], text],
  ['IMAGE_SEARCH_INDEX_TOPIC', ['kafka', 'indexTopic'], text],
  ['IMAGE_SEARCH_DEAD_LETTER_TOPIC', ['kafka', 'deadLetterTopic'], text],
  ['MILVUS_ADDRESS', ['milvus', 'address'], text],
  ['MILVUS_TOKEN', ['milvus', 'token'], text],
  ['MILVUS_DATABASE', ['milvus', 'database'], text],
  ['MILVUS_SSL', ['milvus', 'ssl'], flag],
  ['IMAGE_SEARCH_COLLECTION_PREFIX', ['milvus', 'collectionPrefix'], text],
  ['IMAGE_SEARCH_INDEX_TYPE', ['milvus', 'index', 'type'], text],
  ['IMAGE_SEARCH_EXPECTED_IMAGES', ['milvus', 'index', 'expectedImages'], number],
  ['IMAGE_SEARCH_MODEL', ['model', 'id'], text],
  ['IMAGE_SEARCH_MODEL_PATH', ['model', 'path'], text],
  ['IMAGE_SEARCH_MODEL_WEIGHTS', ['model', 'weights'], text],
  ['IMAGE_SEARCH_MAX_INPUT_PIXELS', ['preprocessing', 'maxInputPixels'], number],
  ['IMAGE_SEARCH_THRESHOLD', ['search', 'threshold'], number],
  ['IMAGE_SEARCH_DUPLICATE_THRESHOLD', ['search', 'duplicateThreshold'], number],
  ['IMAGE_SEARCH_KEEPER_RULES', ['search', 'keeperRules'], list],
  ['IMAGE_SEARCH_MAX_UPLOAD_BYTES', ['search', 'maxUploadBytes'], number],
  ['IMAGE_SEARCH_SEARCH_CONSISTENCY', ['search', 'consistencyLevel'], text],
  ['IMAGE_SEARCH_WHITENING', ['whitening', 'enabled'], flag],
  ['IMAGE_SEARCH_WHITENING_AUTOMATIC', ['whitening', 'automatic'], flag],
  ['IMAGE_SEARCH_WHITENING_MIN_IMAGES', ['whitening', 'minImages'], number],
  ['IMAGE_SEARCH_WHITENING_SAMPLE_SIZE', ['whitening', 'sampleSize'], number],
  ['IMAGE_SEARCH_IN_PROCESS_WORKER', ['worker', 'inProcess'], flag],
  ['IMAGE_SEARCH_GROUP_ID', ['worker', 'groupId'], text],
  ['IMAGE_SEARCH_BATCH_SIZE', ['worker', 'batchSize'], number],
  ['IMAGE_SEARCH_MAX_FILE_BYTES', ['worker', 'maxFileBytes'], number],
  ['IMAGE_SEARCH_USE_STORED_FORMATS', ['worker', 'useStoredFormats'], flag],
  ['IMAGE_SEARCH_PUBLIC_DIR', ['worker', 'publicDir'], text],
  ['IMAGE_SEARCH_VERIFICATION_CACHE_DIR', ['worker', 'verificationCacheDir'], text],
  ['IMAGE_SEARCH_PUBLIC_BASE_URL', ['worker', 'publicBaseUrl'], text],
];

export function configFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const [name, path, parse] of CONFIG_ENV) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    let node = config;
    for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
    node[path[path.length - 1]] = parse(value);
  }
  return config;
}
