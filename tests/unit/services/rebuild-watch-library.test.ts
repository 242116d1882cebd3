import { createRebuildService, type RebuildDeps } from '../../../server/src/services/rebuild';
import type { SpaceFit } from '../../../server/src/strapi-data/space-fits';
import { identitySpace, type Projection, type Space } from '../../../server/src/whitening/projection';

/** When an index learns its whitening by itself: whether a check of the library starts a rebuild. */

const learnedFrom = (images: number): Space => {
  const projection = { id: 'w000000000001', dim: 512, thresholds: { duplicate: 0.4, search: 0.2 }, fittedOn: { images, pairs: images * 6, at: '2026-01-01T00:00:00.000Z' } } as Projection;
  return { id: projection.id, dim: 512, projection, thresholds: projection.thresholds };
};

async function startsRebuild({ space, images, latest = null }: { space: Space; images: number; latest?: SpaceFit | null }): Promise<boolean> {
  let started = false;
  const deps = {
    config: { whitening: { enabled: true, automatic: true, minImages: 100, sampleSize: 400 } },
    model: { id: 'resnet50', dim: 2048 },
    files: { countImages: async () => images },
    storeIfReady: () => ({ rebuildTarget: async () => null }),
    store: () => ({ collection: 'image_search_resnet50' }),
    space: async () => space,
    spaceLearner: { latest: async () => latest },
    // start() begins with the rebuild's lease: taking it is what starting means here.
    leases: {
      exclusive: async () => {
        started = true;
        throw new Error('stop here');
      },
    },
    logger: { info: () => undefined, warn: () => undefined },
  } as unknown as RebuildDeps;
  const service = createRebuildService(deps);
  service.watchLibrary();
  await jest.advanceTimersByTimeAsync(60_000);
  service.stopWatching();
  return started;
}

describe('rebuild: learning the whitening by itself', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('waits in the model\'s own space until the library has minImages images', async () => {
    expect(await startsRebuild({ space: identitySpace(2048), images: 99 })).toBe(false);
    expect(await startsRebuild({ space: identitySpace(2048), images: 100 })).toBe(true);
  });

  it('learns again once a library it learned from while small has grown four times', async () => {
    expect(await startsRebuild({ space: learnedFrom(120), images: 479 })).toBe(false);
    expect(await startsRebuild({ space: learnedFrom(120), images: 480 })).toBe(true);
  });

  it('never learns again from a space learned from a whole sample', async () => {
    expect(await startsRebuild({ space: learnedFrom(400), images: 1_000_000 })).toBe(false);
  });

  it('does not retry within an hour of the last fit', async () => {
    const latest = { startedAt: new Date(Date.now() - 10 * 60_000).toISOString() } as SpaceFit;
    expect(await startsRebuild({ space: identitySpace(2048), images: 500, latest })).toBe(false);
  });
});
