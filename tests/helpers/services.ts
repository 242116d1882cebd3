import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../server/src/paths';

/** Reads the addresses of the Kafka and Milvus instances that scripts/services.sh started. */
export function serviceEnv(): { KAFKA_BROKERS: string; MILVUS_ADDRESS: string } {
  const runDir = process.env.IMAGE_SEARCH_RUN_DIR ?? path.join(PACKAGE_ROOT, '.services/run');
  const read = (name: string) => {
    const file = path.join(runDir, name, 'env');
    if (!fs.existsSync(file)) throw new Error(`${name} is not running (no ${file}); run the tests with \`npm test\`, which starts it`);
    return Object.fromEntries(
      fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line.includes('='))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)])
    );
  };
  return { KAFKA_BROKERS: read('kafka').KAFKA_BROKERS, MILVUS_ADDRESS: read('milvus').MILVUS_ADDRESS };
}

/**
 * The environment of one test app: the services' addresses, its own database, and its own topics, collection and
 * consumer group, so apps sharing the test Kafka and Milvus never read each other's events.
 */
export function appEnv(run: string, databaseDir: string): Record<string, string> {
  return {
    ...serviceEnv(),
    DATABASE_FILENAME: path.join(databaseDir, 'data.db'),
    IMAGE_SEARCH_TOPIC: `image-search.${run}`,
    IMAGE_SEARCH_INDEX_TOPIC: `image-search.${run}.index`,
    IMAGE_SEARCH_DEAD_LETTER_TOPIC: `image-search.${run}.dlq`,
    IMAGE_SEARCH_COLLECTION_PREFIX: `image_search_${run}`,
    IMAGE_SEARCH_GROUP_ID: `indexer-${run}`,
    // Tests search right after indexing, so they need to read their own writes (the default, Bounded, may lag seconds).
    IMAGE_SEARCH_SEARCH_CONSISTENCY: 'Strong',
  };
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

export const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
