import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configFromEnv } from '../server/src/config/env';
import { parseConfig } from '../server/src/config/schema';
import type { DuplicatesResponse, IndexStatus } from '../server/src/contracts/http';
import { adminPath } from '../server/src/contracts/routes';
import { resolveModel } from '../server/src/embedding/models';
import { createMilvusClient } from '../server/src/vector-store/collection';
import { collectionName, createMilvusStore } from '../server/src/vector-store/milvus-store';
import { serviceEnv, MODEL_SPACE_ONLY } from '../tests/helpers/services';
import { startApp, type BenchApp } from './app';
import { measureLatency } from './http-load';
import { printTable, RESULTS_DIR, writeResults } from './stats';
import { loadSyntheticRows } from './bulk-load';
import { waitUntilIndexed } from './synthetic';

/**
 * The duplicates page as the library grows: GET /duplicates over a stored duplicate graph with 1% copies, at
 * DUPLICATES_SIZES file records, with 1 and 8 clients paging through every group; and the full scan that
 * rebuilds the graph, in images per second, over SCAN_IMAGES synthetic vectors in Milvus. At each size, the status
 * page too (every file reported indexed): it counts, so it must not grow with the library either.
 */

const SIZES = (process.env.DUPLICATES_SIZES ?? '10000,100000').split(',').map(Number);
const SCAN_IMAGES = Number(process.env.SCAN_IMAGES ?? 5000);
const SHARE = 0.01;
const PAGE_SIZE = 20;
const CLIENTS = [1, 8];
const REQUESTS = 200;

const admin = (app: BenchApp, route: Parameters<typeof adminPath>[0], init: RequestInit = {}, query = '') =>
  fetch(`${app.url}${adminPath(route)}${query}`, { ...init, headers: { Authorization: `Bearer ${app.adminJwt}`, 'content-type': 'application/json' } });

async function pageLatency(size: number, tmp: string) {
  const env = {
    ...serviceEnv(),
    DATABASE_FILENAME: path.join(tmp, `duplicates-${size}.db`),
    IMAGE_SEARCH_IN_PROCESS_WORKER: 'false',
    ...MODEL_SPACE_ONLY,
    BENCH_FILES: String(size),
    BENCH_INDEXED: String(size),
    BENCH_DUPLICATE_SHARE: String(SHARE),
  };
  const app = await startApp(env, path.join(RESULTS_DIR, `duplicates-${size}.log`));
  try {
    const first = (await (await admin(app, 'duplicates', {}, `?pageSize=${PAGE_SIZE}`)).json()) as DuplicatesResponse;
    const { pageCount, total } = first.meta.pagination;
    const runs = [];
    for (const clients of CLIENTS) {
      const latency = await measureLatency(clients, REQUESTS, (i) => admin(app, 'duplicates', {}, `?pageSize=${PAGE_SIZE}&page=${1 + (i % pageCount)}`));
      runs.push({ size, pairs: app.pairs, groups: total, ...latency });
    }
    const status = { size, ...(await measureLatency(1, REQUESTS, () => admin(app, 'status'))) };
    return { runs, status };
  } finally {
    await app.stop();
  }
}

async function scanRate(tmp: string) {
  // A collection of its own each run: inserting the same rows again would double them.
  const prefix = `bench_duplicates_${Date.now()}`;
  const env = {
    ...serviceEnv(),
    DATABASE_FILENAME: path.join(tmp, 'duplicates-scan.db'),
    IMAGE_SEARCH_COLLECTION_PREFIX: prefix,
    ...MODEL_SPACE_ONLY,
    IMAGE_SEARCH_IN_PROCESS_WORKER: 'false',
    BENCH_FILES: String(SCAN_IMAGES),
    BENCH_INDEXED: String(SCAN_IMAGES),
  };
  const config = parseConfig(configFromEnv(env));
  const model = resolveModel(config.model);
  const store = createMilvusStore(config.milvus, model);
  await store.ensureCollection();
  await store.close();
  const client = createMilvusClient(config.milvus, 120_000);
  const collection = collectionName(prefix, model.id);
  await loadSyntheticRows(client, collection, model.dim, 1, SCAN_IMAGES);
  await waitUntilIndexed(client, collection);
  await client.closeConnection();
  const app = await startApp(env, path.join(RESULTS_DIR, 'duplicates-scan.log'));
  try {
    // Strapi answers before it has connected to Milvus: 503 until then.
    let res: Response;
    while ((res = await admin(app, 'scanDuplicates', { method: 'POST', body: '{}' })).status === 503) await new Promise((resolve) => setTimeout(resolve, 500));
    if (!res.ok) throw new Error(`the scan did not start: ${res.status} ${await res.text()}`);
    const started = performance.now();
    for (;;) {
      const status = ((await (await admin(app, 'status')).json()) as { data: IndexStatus }).data;
      if (status.duplicateScan.state === 'complete')
        return { images: status.duplicateScan.done, imagesPerSecond: status.duplicateScan.done / ((performance.now() - started) / 1000) };
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    await app.stop();
  }
}

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-duplicates-'));
  const rows = [];
  const statusRows = [];
  for (const size of SIZES) {
    const { runs, status } = await pageLatency(size, tmp);
    rows.push(...runs);
    statusRows.push(status);
  }
  const scan = await scanRate(tmp);
  const result = {
    pageSize: PAGE_SIZE,
    share: SHARE,
    latency: rows,
    status: statusRows,
    scan,
    duplicatesP95At100kMs: rows.find((row) => row.size === 100_000 && row.clients === 1)?.p95Ms ?? null,
  };
  writeResults('duplicates', result);
  printTable(
    `GET /duplicates over the stored graph, ${SHARE * 100}% copies, ${PAGE_SIZE} groups a page`,
    rows.map((row) => ({
      files: row.size,
      pairs: row.pairs,
      groups: row.groups,
      clients: row.clients,
      'p50 ms': row.p50Ms,
      'p95 ms': row.p95Ms,
      'p99 ms': row.p99Ms,
      'req/s': row.requestsPerSecond,
    }))
  );
  printTable(
    'GET /status, every file indexed, one client',
    statusRows.map((row) => ({ files: row.size, 'p50 ms': row.p50Ms, 'p95 ms': row.p95Ms, 'p99 ms': row.p99Ms }))
  );
  console.log(`full duplicate scan: ${scan.images} images at ${scan.imagesPerSecond.toFixed(0)} images/s`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
