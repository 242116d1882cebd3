import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../server/src/utils/paths';

/** The variables a service started by scripts/services.sh wrote to its env file. */
function runningService(name: string): Record<string, string> {
  const runDir = process.env.IMAGE_SEARCH_RUN_DIR ?? path.join(PACKAGE_ROOT, '.services/run');
  const file = path.join(runDir, name, 'env');
  if (!fs.existsSync(file)) throw new Error(`${name} is not running (no ${file}); run the tests with \`npm test\`, which starts it`);
  return Object.fromEntries(
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)])
  );
}

/** Reads the addresses of the Kafka and Milvus instances that scripts/services.sh started. */
export function serviceEnv(): { KAFKA_BROKERS: string; MILVUS_ADDRESS: string } {
  return { KAFKA_BROKERS: runningService('kafka').KAFKA_BROKERS, MILVUS_ADDRESS: runningService('milvus').MILVUS_ADDRESS };
}

/** The brokers of the Kafka that scripts/services.sh started, for suites that need Kafka only. */
export const kafkaBrokers = (): string[] => runningService('kafka').KAFKA_BROKERS.split(',');

/** The database the integration tests run on (scripts/test.sh sets TEST_DATABASE): sqlite, postgres or mariadb. */
export const testDatabase = (): 'sqlite' | 'postgres' | 'mariadb' => (process.env.TEST_DATABASE ?? 'sqlite') as 'sqlite' | 'postgres' | 'mariadb';

/** One test app's database: a file in its own dir on SQLite, else a database of its own on the running server. */
export function databaseEnv(run: string, databaseDir: string): Record<string, string> {
  const database = testDatabase();
  if (database === 'sqlite') return { DATABASE_CLIENT: 'sqlite', DATABASE_FILENAME: path.join(databaseDir, 'data.db') };
  return { ...runningService(database), DATABASE_NAME: `is_${run}` };
}

/**
 * The environment of one test app: the services' addresses, its own database, and its own topics, collection and
 * consumer group, so apps sharing the test Kafka and Milvus never read each other's events.
 */
export function appEnv(run: string, databaseDir: string): Record<string, string> {
  return {
    ...serviceEnv(),
    ...databaseEnv(run, databaseDir),
    IMAGE_SEARCH_TOPIC: `image-search.${run}`,
    IMAGE_SEARCH_INDEX_TOPIC: `image-search.${run}.index`,
    IMAGE_SEARCH_DEAD_LETTER_TOPIC: `image-search.${run}.dlq`,
    IMAGE_SEARCH_COLLECTION_PREFIX: `image_search_${run}`,
    IMAGE_SEARCH_GROUP_ID: `indexer-${run}`,
    // Tests search right after indexing, so they need to read their own writes (the default, Bounded, may lag seconds).
    IMAGE_SEARCH_SEARCH_CONSISTENCY: 'Strong',
    ...MODEL_SPACE_ONLY,
  };
}

/**
 * A library of 100 images would learn its whitening by itself within a minute, rebuilding the index under a test or
 * benchmark of something else. The whitening test starts its rebuild itself; unit tests cover when it starts alone.
 */
export const MODEL_SPACE_ONLY = { IMAGE_SEARCH_WHITENING_AUTOMATIC: 'false' } as const;

type Query = (sql: string) => Promise<Array<Record<string, unknown>>>;

/** Runs `work` with one connection to the app's PostgreSQL or MariaDB server (`database`: none, to create one). */
async function onServer<T>(env: Record<string, string>, database: string | undefined, work: (query: Query) => Promise<T>): Promise<T> {
  const { DATABASE_CLIENT: client, DATABASE_HOST: host, DATABASE_PORT: port, DATABASE_USERNAME: user, DATABASE_PASSWORD: password } = env;
  if (client === 'postgres') {
    const { Client } = await import('pg');
    const connection = new Client({ host, port: Number(port), user, password, database: database ?? 'postgres' });
    await connection.connect();
    try {
      return await work(async (sql) => (await connection.query(sql)).rows);
    } finally {
      await connection.end();
    }
  }
  const mysql = await import('mysql2/promise');
  const connection = await mysql.createConnection({ host, port: Number(port), user, password, database });
  try {
    return await work(async (sql) => (await connection.query(sql))[0] as Array<Record<string, unknown>>);
  } finally {
    await connection.end();
  }
}

/** Creates the app's database on a PostgreSQL or MariaDB server unless it exists; SQLite makes its file itself. */
export async function ensureDatabase(env: Record<string, string>): Promise<void> {
  const { DATABASE_CLIENT: client, DATABASE_NAME: name } = env;
  if (!client || client === 'sqlite') return;
  await onServer(env, undefined, async (query) => {
    if (client === 'mysql') await query(`CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    else if ((await query(`SELECT 1 FROM pg_database WHERE datname = '${name}'`)).length === 0) await query(`CREATE DATABASE "${name}"`);
  });
}

/** One SQL query on the app's own database (PostgreSQL or MariaDB), for tests that look at it from outside Strapi. */
export const queryDatabase = (env: Record<string, string>, sql: string) => onServer(env, env.DATABASE_NAME, (query) => query(sql));

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
