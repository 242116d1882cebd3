import { createDuplicateScanner, graphSettings } from '../../../server/src/maintenance/duplicate-scanner';
import type { DuplicateGraph, DuplicateScan, Neighbour } from '../../../server/src/strapi-data/duplicate-graph';
import type { IndexStateRepository } from '../../../server/src/strapi-data/index-state';
import { LeaseTakenError, type Leases } from '../../../server/src/strapi-data/leases';
import type { VectorStore } from '../../../server/src/vector-store/types';
import { FAKE_SPACE, stageOneDecisions } from '../fakes/decision';

const MODEL = { id: 'resnet50_gem' } as never;
const SETTINGS = graphSettings('resnet50_gem', FAKE_SPACE, stageOneDecisions(0.7));
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined } as never;

/** 450 indexed files (three steps of 200); files 2k-1 and 2k are copies of each other. */
function library(latest: DuplicateScan | null, { leaseTaken = false, failAt }: { leaseTaken?: boolean; failAt?: number } = {}) {
  const ids = Array.from({ length: 450 }, (_, i) => i + 1);
  const added: Array<{ fileId: number; duplicates: readonly Neighbour[]; generation?: number }> = [];
  const progress: Array<{ afterFileId: number; done: number }> = [];
  const completed: number[] = [];
  const scans: DuplicateScan[] = latest ? [latest] : [];
  const graph = {
    latestScan: async () => scans[scans.length - 1] ?? null,
    startScan: async (settings: string, total: number) => {
      const scan: DuplicateScan = {
        generation: (scans[scans.length - 1]?.generation ?? 0) + 1,
        settings,
        state: 'running',
        afterFileId: 0,
        done: 0,
        total,
        startedAt: '',
        finishedAt: null,
      };
      scans.push(scan);
      return scan;
    },
    addPairs: async (fileId: number, duplicates: readonly Neighbour[], generation?: number) => void added.push({ fileId, duplicates, generation }),
    advanceScan: async (_generation: number, step: { afterFileId: number; done: number }) => {
      if (failAt !== undefined && step.afterFileId >= failAt) throw new Error('database went away');
      progress.push(step);
    },
    completeScan: async (generation: number) => void completed.push(generation),
  } as unknown as DuplicateGraph;
  const states = {
    countIndexed: async () => ids.length,
    indexedFileIdsAfter: async (after: number, limit: number) => ids.filter((id) => id > after).slice(0, limit),
  } as unknown as IndexStateRepository;
  const twin = (id: number) => (id % 2 === 1 ? id + 1 : id - 1);
  const served = {
    space: FAKE_SPACE,
    getVector: async (id: number) => [id],
    search: async ({ vector }: { vector: number[] }) => [
      { fileId: twin(vector[0]), score: 0.95 },
      { fileId: 9999, score: 0.2 },
    ],
  };
  const store = { serving: async () => served } as unknown as VectorStore;
  const leases = {
    exclusive: async (_names: string[], work: () => Promise<unknown>) => {
      if (leaseTaken) throw new LeaseTakenError('duplicate-scan');
      return work();
    },
  } as unknown as Leases;
  const scanner = createDuplicateScanner({ decisionIn: stageOneDecisions(0.7), model: MODEL, graph, states, leases, store: () => store, logger: quiet });
  return { scanner, added, progress, completed, scans };
}

describe('duplicate scanner', () => {
  it('scans a graph that was never built: every indexed file, its duplicates under the new generation, progress per step', async () => {
    const { scanner, added, progress, completed } = library(null);
    expect(await scanner.status()).toMatchObject({ state: 'needed', done: 0, total: 450 });
    await scanner.run({ restart: false });
    expect(added).toHaveLength(450);
    expect(added[0]).toEqual({ fileId: 1, duplicates: [{ fileId: 2, similarity: 0.95, kind: 'resized' }], generation: 1 });
    expect(progress).toEqual([
      { afterFileId: 200, done: 200 },
      { afterFileId: 400, done: 400 },
      { afterFileId: 450, done: 450 },
    ]);
    expect(completed).toEqual([1]);
  });

  it('resumes a scan of the same settings where it stopped, and leaves a complete one alone', async () => {
    const running: DuplicateScan = {
      generation: 4,
      settings: SETTINGS,
      state: 'running',
      afterFileId: 400,
      done: 400,
      total: 450,
      startedAt: '',
      finishedAt: null,
    };
    const resumed = library(running);
    await resumed.scanner.run({ restart: false });
    expect(resumed.added.map((call) => call.fileId)).toEqual(Array.from({ length: 50 }, (_, i) => 401 + i));
    expect(resumed.completed).toEqual([4]);

    const complete = library({ ...running, state: 'complete', afterFileId: 450, done: 450, finishedAt: '2026-01-01T00:00:00.000Z' });
    await complete.scanner.run({ restart: false });
    expect(complete.added).toEqual([]);
    expect(await complete.scanner.status()).toMatchObject({ state: 'complete', done: 450, total: 450 });
  });

  it('starts again under a new generation when the settings changed, or when asked to', async () => {
    const other = library({
      generation: 2,
      settings: graphSettings('vgg16', FAKE_SPACE, stageOneDecisions(0.7)),
      state: 'complete',
      afterFileId: 450,
      done: 450,
      total: 450,
      startedAt: '',
      finishedAt: '',
    });
    expect((await other.scanner.status(undefined, FAKE_SPACE)).state).toBe('needed');
    await other.scanner.run({ restart: false });
    expect(other.completed).toEqual([3]);

    const again = library({ generation: 5, settings: SETTINGS, state: 'complete', afterFileId: 450, done: 450, total: 450, startedAt: '', finishedAt: '' });
    let started = false;
    await again.scanner.run({ restart: true, started: () => (started = true) });
    expect(started).toBe(true);
    expect(again.completed).toEqual([6]);
  });

  it('keeps its progress when a step fails, so that the next run resumes there', async () => {
    const { scanner, progress, completed, scans } = library(null, { failAt: 400 });
    await expect(scanner.run({ restart: false })).rejects.toThrow('database went away');
    expect(progress).toEqual([{ afterFileId: 200, done: 200 }]);
    expect(completed).toEqual([]);
    expect(scans[0].state).toBe('running');
  });

  it('leaves the scan to the instance that holds it', async () => {
    const { scanner, added } = library(null, { leaseTaken: true });
    await expect(scanner.run({ restart: true })).rejects.toBeInstanceOf(LeaseTakenError);
    expect(added).toEqual([]);
  });
});
