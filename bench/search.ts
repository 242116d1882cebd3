import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configFromEnv } from '../server/src/config/env';
import { parseConfig } from '../server/src/config/schema';
import { resolveModel } from '../server/src/embedding/models';
import { PACKAGE_ROOT } from '../server/src/utils/paths';
import { bindCollection, createMilvusClient } from '../server/src/vector-store/collection';
import { collectionName, createMilvusStore } from '../server/src/vector-store/milvus-store';
import { controlService } from '../tests/helpers/faults';
import { serviceEnv, MODEL_SPACE_ONLY } from '../tests/helpers/services';
import { startApp, type BenchApp } from './app';
import { estimateCapacity } from '../server/src/cli/sizing';
import { errorMessage } from '../server/src/errors/pipeline-errors';
import { parseSizingOptions } from '../server/src/cli/sizing-command';
import { measureLatency, type LatencyFigures } from './http-load';
import { samplePhotos } from './photos';
import { perRequestMs, summarizeProfile, type ProfileSummary } from './cpu-profile';
import { savePlot } from './plot';
import { treeCpuMs, treeRssMb } from './process-memory';
import { printTable, RESULTS_DIR, writeResults } from './stats';
import { loadSyntheticRows } from './bulk-load';
import { createSyntheticVectors, syntheticProjection, waitUntilIndexed } from './synthetic';
import { WHITENED_DIM } from '../server/src/whitening/learn';
import { spaceOf } from '../server/src/whitening/projection';
import { contentApiPath } from '../server/src/contracts/routes';

/**
 * Search through the HTTP API over synthetic vectors, with FLAT and with HNSW: latency of `files/:id/similar` and of
 * search-by-upload at 1, 8 and 32 concurrent clients at the largest size, recall@10 of HNSW against FLAT's exact
 * answers, latency and Milvus memory as the collection grows, and Strapi's CPU per request by part (profiled at
 * TARGET_SIZE). Each index type gets a fresh Milvus, so memory figures are its own. Vectors have the dimension the
 * plugin ships (a learned whitening's 512); SEARCH_DIM=2048 measures the model's own space. Settings: SEARCH_SIZES
 * (comma-separated, ascending), SEARCH_INDEXES, SEARCH_DIM.
 */

const SIZES = (process.env.SEARCH_SIZES ?? '10000,100000,300000,1000000').split(',').map(Number);
const INDEXES = (process.env.SEARCH_INDEXES ?? 'FLAT,HNSW,IVF_SQ8').split(',');
const DIM = Number(process.env.SEARCH_DIM ?? WHITENED_DIM);
/** The size the latency target is set at: files/:id/similar's p99 at 8 clients with HNSW, and the profiles. */
const TARGET_SIZE = 100_000;
const CLIENTS = [1, 8, 32];
const GROWTH_CLIENTS = 8;
const RECALL_QUERIES = 200;
const TOP_K = 10;

/** Request counts: enough for a stable p99 (at least 300 similar-file calls), fewer for the model-bound upload. */
const similarRequests = (clients: number) => Math.max(300, 30 * clients);
const uploadRequests = (clients: number) => Math.max(40, 5 * clients);

/** Query file ids spread evenly over the loaded range, the same in every run. */
const queryIds = (size: number, count: number) => Array.from({ length: count }, (_, i) => 1 + Math.floor(((i * 7919) % count) * (size / count)));

function similarCall(app: BenchApp, size: number, query = '') {
  const ids = queryIds(size, 997);
  return (i: number) =>
    fetch(`${app.url}${contentApiPath('similarToFile', { id: ids[i % ids.length] })}?pageSize=${TOP_K}&threshold=0${query}`, {
      headers: { Authorization: `Bearer ${app.token}` },
    });
}

function uploadCall(app: BenchApp) {
  const photos = samplePhotos().map((file) => ({ name: path.basename(file), bytes: fs.readFileSync(file) }));
  return (i: number) => {
    const form = new FormData();
    const photo = photos[i % photos.length];
    form.append('image', new Blob([photo.bytes]), photo.name);
    return fetch(`${app.url}${contentApiPath('similarToImage')}?pageSize=${TOP_K}&threshold=0`, { method: 'POST', body: form, headers: { Authorization: `Bearer ${app.token}` } });
  };
}

const milvusPid = () => Number(fs.readFileSync(path.join(process.env.IMAGE_SEARCH_RUN_DIR ?? path.join(PACKAGE_ROOT, '.services/run'), 'milvus', 'pid'), 'utf8').trim());
const milvusRssMb = () => treeRssMb(milvusPid());

/**
 * Waits until Milvus is done with what loading left it (compaction, handing indexed segments over), at most two
 * minutes: measured while it still works, latency is its background work's, not the requests'.
 */
async function milvusSettled(): Promise<void> {
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; ) {
    const before = treeCpuMs(milvusPid());
    await new Promise((resolve) => setTimeout(resolve, 2000));
    if (treeCpuMs(milvusPid()) - before < 0.25 * 2000) return;
  }
}

/** Everything a request costs on this machine, in CPU ms per request: Strapi (profiled, by part), Milvus, and the client. */
interface RequestCost extends ProfileSummary {
  milvusCpuMsPerRequest: number;
  clientCpuMsPerRequest: number;
}

async function costOf(app: BenchApp, clients: number, requests: number, call: (i: number) => Promise<Response>): Promise<RequestCost> {
  const [milvusBefore, clientBefore] = [treeCpuMs(milvusPid()), process.cpuUsage()];
  const { result, window } = await app.profiled(() => measureLatency(clients, requests, call));
  const client = process.cpuUsage(clientBefore);
  return {
    ...summarizeProfile(window, result.requests),
    milvusCpuMsPerRequest: perRequestMs(treeCpuMs(milvusPid()) - milvusBefore, result.requests),
    clientCpuMsPerRequest: perRequestMs((client.user + client.system) / 1000, result.requests),
  };
}

interface GrowthRow {
  index: string;
  vectors: number;
  rows: number;
  p50Ms: number;
  p99Ms: number;
  milvusRssMb: number;
}

interface IndexRun {
  growth: GrowthRow[];
  similar: LatencyFigures[];
  upload: LatencyFigures[];
  /** What a request costs at TARGET_SIZE, Strapi profiled (HNSW only). */
  profiles?: { similar: RequestCost; upload: RequestCost };
  scoped: LatencyFigures;
  /** Top-10 file ids of each recall query, straight from Milvus. */
  topK: number[][];
  loadSeconds: number;
}

async function runIndex(index: string, model: { id: string; dim: number }, tmp: string): Promise<IndexRun> {
  await controlService('milvus', 'start', { fresh: true });
  const prefix = `bench_${index.toLowerCase()}`;
  const env = {
    ...serviceEnv(),
    DATABASE_FILENAME: path.join(tmp, `${prefix}.db`),
    IMAGE_SEARCH_COLLECTION_PREFIX: prefix,
    ...MODEL_SPACE_ONLY,
    IMAGE_SEARCH_INDEX_TYPE: index,
    IMAGE_SEARCH_IN_PROCESS_WORKER: 'false',
    BENCH_FILES: String(SIZES[SIZES.length - 1]),
  };
  const config = parseConfig(configFromEnv(env));
  const store = createMilvusStore(config.milvus, model);
  await store.ensureCollection();
  if (DIM < model.dim) {
    // As after a learned whitening: the collection is rebuilt in a space of its own.
    const projection = syntheticProjection(model.id, model.dim, DIM);
    await store.projections.save(projection);
    await store.beginRebuild(spaceOf(projection));
    // The switch waits out searches on the old collection with a timer that holds no process open: this one does.
    const open = setInterval(() => undefined, 1000);
    await store.completeRebuild().finally(() => clearInterval(open));
  }
  await store.close();
  // A first start only seeds the file records: their inserts hold its event loop for minutes at 1M, and its Milvus
  // connection then waits out a retry's backoff. Then it starts afresh, once its collection is final.
  const log = path.join(RESULTS_DIR, `${prefix}.log`);
  await (await startApp(env, log)).stop();
  const app = await startApp(env, log);
  const client = createMilvusClient(config.milvus, 120_000);
  const collection = collectionName(prefix, model.id);
  try {
    const growth: GrowthRow[] = [];
    let loaded = 0;
    let loadSeconds = 0;
    let profiles: IndexRun['profiles'];
    for (const size of SIZES) {
      const started = Date.now();
      await loadSyntheticRows(client, collection, DIM, loaded + 1, size);
      const rows = await waitUntilIndexed(client, collection);
      loadSeconds += (Date.now() - started) / 1000;
      await milvusSettled();
      loaded = size;
      // Unmeasured first: an app's first requests open its connections.
      await measureLatency(GROWTH_CLIENTS, 4 * GROWTH_CLIENTS, similarCall(app, size));
      const latency = await measureLatency(GROWTH_CLIENTS, similarRequests(GROWTH_CLIENTS), similarCall(app, size));
      growth.push({ index, vectors: size, rows, p50Ms: latency.p50Ms, p99Ms: latency.p99Ms, milvusRssMb: milvusRssMb() });
      console.log(`${index} at ${size}: ${JSON.stringify(growth[growth.length - 1])}, loaded in ${loadSeconds.toFixed(0)} s`);
      if (index === 'HNSW' && size === TARGET_SIZE) profiles = await profile(app, size);
    }
    const similar: LatencyFigures[] = [];
    for (const clients of CLIENTS) similar.push(await measureLatency(clients, similarRequests(clients), similarCall(app, loaded)));
    const scoped = await measureLatency(8, similarRequests(8), similarCall(app, loaded, '&contentType=api::article.article'));
    const upload: LatencyFigures[] = [];
    for (const clients of CLIENTS) upload.push(await measureLatency(clients, uploadRequests(clients), uploadCall(app)));
    // Recall is judged on Milvus's own answers, the same call the plugin makes.
    const serving = bindCollection(client, collection, config.milvus);
    const vectors = createSyntheticVectors(DIM);
    const topK: number[][] = [];
    for (const fileId of queryIds(loaded, RECALL_QUERIES)) topK.push((await serving.search({ vector: vectors.vector(fileId), limit: TOP_K })).map((row) => row.fileId));
    return { growth, similar, upload, scoped, topK, loadSeconds, profiles };
  } finally {
    await client.closeConnection();
    await app.stop();
  }
}

/** What files/:id/similar and search by upload cost at 8 clients. */
async function profile(app: BenchApp, size: number): Promise<NonNullable<IndexRun['profiles']>> {
  return { similar: await costOf(app, 8, similarRequests(8), similarCall(app, size)), upload: await costOf(app, 8, uploadRequests(8), uploadCall(app)) };
}

/**
 * The sizing command's Milvus memory per row against what this run measured: Milvus's resident memory added since
 * the smallest size, per row added (its own baseline and the smallest load left out).
 */
function sizingCheck(growth: GrowthRow[]) {
  return INDEXES.flatMap((index) => {
    const [first, ...rest] = growth.filter((row) => row.index === index);
    return rest.map((row) => {
      const input = parseSizingOptions({ images: String(row.vectors), dim: String(DIM), index, 'content-types-per-image': String(row.rows / row.vectors) });
      const estimated = estimateCapacity(input).milvusMemoryBytes / row.rows;
      const measured = ((row.milvusRssMb - first.milvusRssMb) * 1024 * 1024) / (row.rows - first.rows);
      return { index, vectors: row.vectors, 'measured bytes/row': Math.round(measured), 'sizing bytes/row': Math.round(estimated), 'measured / sizing': measured / estimated };
    });
  });
}

function recallAgainst(exact: number[][], approximate: number[][]): number {
  const found = exact.reduce((sum, ids, i) => sum + ids.filter((id) => approximate[i].includes(id)).length, 0);
  return found / exact.reduce((sum, ids) => sum + ids.length, 0);
}

async function main(): Promise<void> {
  const model = resolveModel(parseConfig(configFromEnv({ ...serviceEnv() })).model);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'image-search-bench-'));
  console.log(`search benchmark: ${SIZES.join(', ')} synthetic ${DIM}-d vectors, indexes ${INDEXES.join(', ')}, ${os.cpus().length} CPUs`);
  const runs = new Map<string, IndexRun>();
  const failed: Record<string, string> = {};
  try {
    for (const index of INDEXES) {
      // One index type failing (Milvus refusing its queries, say) leaves the others' figures standing.
      try {
        runs.set(index, await runIndex(index, model, tmp));
      } catch (error) {
        failed[index] = errorMessage(error).split('\n')[0];
        console.error(`${index} failed: ${failed[index]}`);
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  const exact = runs.get('FLAT')?.topK;
  const recall = Object.fromEntries([...runs].filter(([index]) => index !== 'FLAT' && exact).map(([index, run]) => [index, recallAgainst(exact!, run.topK)]));
  const latencyRows = [...runs].flatMap(([index, run]) =>
    run.similar.map((similar, i) => ({
      index,
      clients: similar.clients,
      'similar p50 ms': similar.p50Ms,
      'similar p99 ms': similar.p99Ms,
      'similar req/s': similar.requestsPerSecond,
      'upload p50 ms': run.upload[i].p50Ms,
      'upload p99 ms': run.upload[i].p99Ms,
      'upload req/s': run.upload[i].requestsPerSecond,
    }))
  );
  const growth = [...runs.values()].flatMap((run) => run.growth);
  const plot = path.join(RESULTS_DIR, 'search-growth.png');
  await savePlot(
    {
      title: `Search as the collection grows (${DIM}-d, ${GROWTH_CLIENTS} clients)`,
      data: { values: growth.flatMap((row) => [
        { index: row.index, vectors: row.vectors, measure: 'p50 latency (ms)', value: row.p50Ms },
        { index: row.index, vectors: row.vectors, measure: 'p99 latency (ms)', value: row.p99Ms },
        { index: row.index, vectors: row.vectors, measure: 'Milvus RSS (MB)', value: row.milvusRssMb },
      ]) },
      facet: { column: { field: 'measure', type: 'nominal', title: null } },
      spec: {
        width: 260,
        height: 200,
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'vectors', type: 'quantitative', title: 'vectors' },
          y: { field: 'value', type: 'quantitative', title: null },
          color: { field: 'index', type: 'nominal', title: 'index' },
        },
      },
      resolve: { scale: { y: 'independent' } },
    },
    plot
  );

  const profiles = runs.get('HNSW')?.profiles;
  const sizing = sizingCheck(growth);
  const result = {
    bench: 'search',
    similarP99At8Ms: growth.find((row) => row.index === 'HNSW' && row.vectors === TARGET_SIZE)?.p99Ms ?? null,
    sizes: SIZES,
    dim: DIM,
    failed,
    latency: latencyRows,
    scoped: Object.fromEntries([...runs].map(([index, run]) => [index, run.scoped])),
    recallAt10: recall,
    growth,
    loadSeconds: Object.fromEntries([...runs].map(([index, run]) => [index, run.loadSeconds])),
    loadRowsPerSecond: Object.fromEntries([...runs].map(([index, run]) => [index, Math.round(run.growth[run.growth.length - 1].rows / run.loadSeconds)])),
    profiles,
    sizing,
    plot,
  };
  writeResults('search', result);
  console.log(JSON.stringify(result));
  printTable(`Search through the HTTP API at ${SIZES[SIZES.length - 1]} vectors (threshold 0, ${TOP_K} per page)`, latencyRows);
  printTable(`Scoped to one content type, ${8} clients`, [...runs].map(([index, run]) => ({ index, 'p50 ms': run.scoped.p50Ms, 'p99 ms': run.scoped.p99Ms, 'req/s': run.scoped.requestsPerSecond })));
  printTable('Growth: files/:id/similar and Milvus memory', growth.map((row) => ({ index: row.index, vectors: row.vectors, rows: row.rows, 'p50 ms': row.p50Ms, 'p99 ms': row.p99Ms, 'Milvus RSS MB': row.milvusRssMb })));
  if (sizing.length > 0) printTable("Milvus memory per row: measured growth against the sizing command's formula", sizing);
  for (const [name, summary] of Object.entries(profiles ?? {})) {
    printTable(
      `CPU per request, ${name === 'similar' ? 'files/:id/similar' : 'search by upload'}, HNSW at ${TARGET_SIZE}, 8 clients: Strapi ${summary.cpuMsPerRequest} ms, Milvus ${summary.milvusCpuMsPerRequest} ms, the benchmark's client ${summary.clientCpuMsPerRequest} ms; Strapi's main thread by part`,
      Object.entries(summary.byPart).map(([part, ms]) => ({ part, 'ms/request': ms }))
    );
    printTable('Top functions (self time)', summary.top.map((entry) => ({ function: entry.function, where: entry.where, 'ms/request': entry.msPerRequest })));
  }
  for (const [index, value] of Object.entries(recall)) console.log(`recall@${TOP_K} of ${index} against FLAT over ${RECALL_QUERIES} queries: ${value.toFixed(4)}`);
  console.log(`plot: ${plot}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
