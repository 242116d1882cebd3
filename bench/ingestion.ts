import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configFromEnv } from '../server/src/config/env';
import { modelSchema, parseConfig, preprocessingSchema, workerSchema } from '../server/src/config/schema';
import { decodeForModel } from '../server/src/embedding/decode';
import { loadExtractor } from '../server/src/embedding/extractor';
import { resolveModel } from '../server/src/embedding/models';
import { createEmbedder } from '../server/src/indexing/embedder';
import { readLocalPath } from '../server/src/indexing/file-source';
import { mapConcurrently } from '../server/src/utils/map-concurrently';
import { createMilvusStore } from '../server/src/vector-store/milvus-store';
import { adminPath } from '../server/src/contracts/routes';
import type { IndexStatus } from '../server/src/contracts/http';
import { IDENTITY } from '../server/src/whitening/projection';
import { appEnv } from '../tests/helpers/services';
import { PLAYGROUND_DIR } from '../tests/helpers/strapi';
import { appliedIn, startWorkerProcess, type WorkerProcess } from '../tests/helpers/worker-process';
import { startApp, type BenchApp } from './app';
import { readProfile, summarizeProfile } from './cpu-profile';
import { benchmarkPhotos, cycle, distractorPhotos } from './photos';
import { medianRate, percentile, printTable, RESULTS_DIR, writeResults } from './stats';

/**
 * Ingestion through the whole system on real photos: uploads through Strapi's REST API, indexed by 1, then 2,
 * standalone worker processes in one consumer group. Two phases per worker count:
 * - live: photos uploaded as fast as Strapi accepts them while the workers run: upload→searchable latency
 *   (from sending the upload to the vector being in Milvus) and the sustained rate over the whole burst;
 * - then the index learns its whitening from that library (a rebuild), as any library of 100 images does by itself;
 * - backlog: other, distinct photos (the distractors: no copy of any is in the library) uploaded while the workers are
 *   stopped, then the workers started: their drain rate in the learned space, the workers' own throughput, compared
 *   with the raw extraction rate measured first on the same machine. Uploading the live phase's photos again would
 *   make every backlog file a copy, and measure a library of duplicates, each paying its pair checks; in the model's
 *   own space (threshold 0.70) most distinct photos have candidates, each paying its checks too.
 * With one worker, its backlog drain is CPU-profiled (the worker and its helper process).
 * Settings: INGEST_IMAGES (default: every benchmark photo; the backlog as many distractors), INGEST_WORKERS (default 1,2).
 */

const IMAGES = Number(process.env.INGEST_IMAGES ?? 0) || undefined;
const WORKER_COUNTS = (process.env.INGEST_WORKERS ?? '1,2').split(',').map(Number);
const UPLOAD_CONCURRENCY = 4;
const POLL_MS = 100;
const TIMEOUT_MS = 20 * 60_000;

/** Model-only rate at the workers' batch size, and read+decode+model in one process, on these photos. */
async function rawExtractionRates(photos: string[], batchSize: number, decodeConcurrency: number) {
  const [model, preprocessing] = [resolveModel(modelSchema.parse(undefined)), preprocessingSchema.parse(undefined)];
  const extractor = await loadExtractor(model);
  const sample = cycle(photos, 16);
  const pixels = await mapConcurrently(sample, decodeConcurrency, async (file) => decodeForModel(fs.readFileSync(file), { ...preprocessing, size: model.inputSize }));
  const modelRate = await medianRate(3, pixels.length, async () => {
    for (let i = 0; i < pixels.length; i += batchSize) await extractor.extract(pixels.slice(i, i + batchSize));
  });
  const embedder = createEmbedder({ extractor, readFile: readLocalPath, decode: preprocessing, concurrency: decodeConcurrency });
  const started = performance.now();
  for (let i = 0; i < photos.length; i += batchSize) await embedder.embed(photos.slice(i, i + batchSize).map((url, id) => ({ id, url })));
  const pipelineRate = photos.length / ((performance.now() - started) / 1000);
  extractor.dispose();
  return { modelRate, pipelineRate };
}

async function upload(app: BenchApp, file: string): Promise<number> {
  const form = new FormData();
  form.append('files', new Blob([fs.readFileSync(file)]), path.basename(file));
  const res = await fetch(`${app.url}/api/upload`, { method: 'POST', body: form, headers: { Authorization: `Bearer ${app.token}` } });
  const body = await res.json();
  if (res.status !== 201) throw new Error(`upload of ${file} answered ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
  return body[0].id as number;
}

/** Uploads every photo, UPLOAD_CONCURRENCY at once; returns when each upload was sent and answered, by file id. */
async function uploadAll(app: BenchApp, photos: string[], onUploaded: (id: number) => void = () => undefined) {
  const times = new Map<number, { sent: number; answered: number }>();
  await mapConcurrently(photos, UPLOAD_CONCURRENCY, async (file) => {
    const sent = Date.now();
    const id = await upload(app, file);
    times.set(id, { sent, answered: Date.now() });
    onUploaded(id);
  });
  return times;
}

/** Polls Milvus until every file is indexed; returns when each was first seen, by file id. */
async function watchIndexed(store: ReturnType<typeof createMilvusStore>, expected: () => number[], total: number): Promise<Map<number, number>> {
  const seenAt = new Map<number, number>();
  const deadline = Date.now() + TIMEOUT_MS;
  while (seenAt.size < total) {
    if (Date.now() > deadline) throw new Error(`only ${seenAt.size} of ${total} files were indexed in ${TIMEOUT_MS / 60_000} minutes`);
    const pending = expected().filter((id) => !seenAt.has(id));
    const now = Date.now();
    for (const id of (await store.appliedVersions(pending)).keys()) seenAt.set(id, now);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return seenAt;
}

function startWorkers(count: number, env: Record<string, string>, profileDir?: string): WorkerProcess[] {
  // Node writes a profile per process at exit: the worker's, and its helper process's (forked with the same flags).
  const profiling = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  return Array.from({ length: count }, () => startWorkerProcess({ env: { ...process.env, ...env, IMAGE_SEARCH_PUBLIC_DIR: path.join(PLAYGROUND_DIR, 'public') } }, profiling));
}

/** Per image drained: the worker's CPU and its helper process's (OpenCV's pair checks), by part, from the profiles they wrote at exit. */
function drainProfiles(dir: string, worker: WorkerProcess, images: number) {
  const files = fs.readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'));
  const ofWorker = files.find((name) => name.includes(`.${worker.child.pid}.`));
  const summary = (name: string | undefined) => (name ? summarizeProfile(readProfile(path.join(dir, name)), images) : null);
  return { worker: summary(ofWorker), helper: summary(files.find((name) => name !== ofWorker)) };
}

/**
 * Rebuilds the index, learning its whitening from the library, and resolves once it serves the learned space and
 * the duplicate graph was scanned again in it (that scan runs in Strapi, and would share the drain's CPU).
 */
async function learnWhitening(app: BenchApp): Promise<string> {
  const headers = { Authorization: `Bearer ${app.adminJwt}` };
  const started = await fetch(`${app.url}${adminPath('rebuild')}`, { method: 'POST', headers });
  if (!started.ok) throw new Error(`rebuild answered ${started.status}: ${(await started.text()).slice(0, 300)}`);
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    // A poll can meet a keep-alive socket the server has just closed (ECONNRESET): the next one asks again.
    const answer = await fetch(`${app.url}${adminPath('status')}`, { headers }).catch((error: Error) => error);
    const data = answer instanceof Error ? undefined : ((await answer.json()) as { data: IndexStatus }).data;
    if (data && !data.rebuild.active && data.index.reachable && data.index.space.id !== IDENTITY && data.duplicateScan.state === 'complete') return data.index.space.id;
    if (Date.now() > deadline) throw answer instanceof Error ? answer : new Error(`the rebuild did not complete in ${TIMEOUT_MS / 60_000} minutes`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** Resolves once every worker says it is consuming (model loaded, consumer started). */
async function workersReady(workers: WorkerProcess[]): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (!workers.every((worker) => /consuming .* as group/.test(worker.log()))) {
    if (Date.now() > deadline) throw new Error(`workers did not start:\n${workers.map((worker) => worker.log()).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function runWorkers(count: number, photos: string[], backlogPhotos: string[], tmp: string) {
  const run = `ing${count}w${Date.now().toString(36)}`;
  const env = { ...appEnv(run, tmp), IMAGE_SEARCH_IN_PROCESS_WORKER: 'false' };
  const config = parseConfig(configFromEnv(env));
  const app = await startApp(env, path.join(RESULTS_DIR, `${run}.log`));
  const store = createMilvusStore(config.milvus, resolveModel(config.model));
  let workers = startWorkers(count, env);
  try {
    await workersReady(workers);

    // Live: upload→searchable while the workers keep up.
    const uploaded: number[] = [];
    const liveStarted = Date.now();
    const [times, seenAt] = await Promise.all([uploadAll(app, photos, (id) => uploaded.push(id)), watchIndexed(store, () => uploaded, photos.length)]);
    const lastSeen = Math.max(...seenAt.values());
    const latencies = [...times].map(([id, { sent }]) => seenAt.get(id)! - sent);
    const uploadSeconds = (Math.max(...[...times.values()].map(({ answered }) => answered)) - liveStarted) / 1000;
    const live = {
      p50Ms: percentile(latencies, 50),
      p95Ms: percentile(latencies, 95),
      p99Ms: percentile(latencies, 99),
      // How much of it Strapi's upload itself takes (storing the file, making its thumbnail and formats).
      uploadP50Ms: percentile([...times.values()].map(({ sent, answered }) => answered - sent), 50),
      sustainedPerSecond: photos.length / ((lastSeen - liveStarted) / 1000),
      uploadsPerSecond: photos.length / uploadSeconds,
    };

    const space = await learnWhitening(app);

    // Backlog: the workers' own rate, once every one of them applies events (a worker joining makes the group
    // rebalance, which pauses them all for seconds), to the last file.
    await Promise.all(workers.map((worker) => worker.kill('SIGTERM')));
    const backlog = [...(await uploadAll(app, backlogPhotos)).keys()];
    const profileDir = count === 1 ? fs.mkdtempSync(path.join(tmp, 'profiles-')) : undefined;
    workers = startWorkers(count, env, profileDir);
    const drained = [...(await watchIndexed(store, () => backlog, backlog.length)).values()];
    const allActive = Math.max(...workers.map((worker) => appliedIn(worker.log())[0]?.at ?? Infinity));
    const steady = drained.filter((at) => at >= allActive);
    const drainPerSecond = (steady.length - 1) / ((Math.max(...steady) - Math.min(...steady)) / 1000);
    await Promise.all(workers.map((worker) => worker.kill('SIGTERM')));
    const profiles = profileDir ? drainProfiles(profileDir, workers[0], backlog.length) : undefined;
    return { workers: count, live, space, drainPerSecond, profiles };
  } finally {
    await Promise.all(workers.map((worker) => worker.kill('SIGTERM')));
    await store.close();
    await app.stop();
  }
}

async function main(): Promise<void> {
  const photos = IMAGES ? cycle(benchmarkPhotos(), IMAGES) : benchmarkPhotos();
  const distractors = distractorPhotos();
  if (distractors.length < photos.length * WORKER_COUNTS.length) throw new Error(`the backlogs need ${photos.length * WORKER_COUNTS.length} distractor photos, ${distractors.length} fetched: run bash scripts/fetch-photos.sh scripts/distractor-photos.tsv .samples/distractors`);
  const defaults = workerSchema.parse(undefined);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'image-search-ingest-'));
  console.log(`ingestion benchmark: ${photos.length} real photos live, as many distinct ones in each backlog, workers ${WORKER_COUNTS.join(' then ')}, ${os.cpus().length} CPUs`);
  try {
    const raw = await rawExtractionRates(photos, defaults.batchSize, defaults.decodeConcurrency);
    const runs = [];
    // Each run's backlog is photos of its own, so that no run's backlog holds copies of an earlier one's.
    for (const [i, count] of WORKER_COUNTS.entries()) runs.push(await runWorkers(count, photos, distractors.slice(i * photos.length, (i + 1) * photos.length), tmp));

    const rows = runs.map((run) => ({
      workers: run.workers,
      'upload→searchable p50 ms': run.live.p50Ms,
      'p95 ms': run.live.p95Ms,
      'p99 ms': run.live.p99Ms,
      'of which upload p50 ms': run.live.uploadP50Ms,
      'uploads/s': run.live.uploadsPerSecond,
      'sustained img/s': run.live.sustainedPerSecond,
      'backlog drain img/s (learned space)': run.drainPerSecond,
      'sustained / model': run.live.sustainedPerSecond / raw.modelRate,
      'drain / model': run.drainPerSecond / raw.modelRate,
      'drain / in-process pipeline': run.drainPerSecond / raw.pipelineRate,
    }));
    const result = { bench: 'ingestion', drainToModel: runs[0].drainPerSecond / raw.modelRate, images: photos.length, raw, runs };
    writeResults('ingestion', result);
    console.log(JSON.stringify(result));
    printTable(`Raw extraction on this machine (images/s): model at batch ${defaults.batchSize} ${raw.modelRate.toFixed(1)}, read+decode+model ${raw.pipelineRate.toFixed(1)}`, rows);
    for (const [name, summary] of Object.entries(runs[0].profiles ?? {})) {
      if (!summary) continue;
      printTable(`One worker's backlog drain, ${name === 'worker' ? 'the worker process' : 'its helper process (pair checks)'}: ${summary.cpuMsPerRequest} ms of main-thread CPU per image, by part`, Object.entries(summary.byPart).map(([part, ms]) => ({ part, 'ms/image': ms })));
      printTable('Top functions (self time)', summary.top.map((entry) => ({ function: entry.function, where: entry.where, 'ms/image': entry.msPerRequest })));
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
