import { buildMediaEvent, toMediaFile } from '../../../server/src/capture/event-builder';
import { INDEX_EVENT_TYPES, MEDIA_EVENT_TYPES, indexEventSchema, type IndexEvent, type MediaEventType } from '../../../server/src/contracts/events';
import { UnavailableError, UnindexableError } from '../../../server/src/errors/pipeline-errors';
import { createDuplicateDetector } from '../../../server/src/similarity/duplicate-detector';
import { createMediaEventHandlers } from '../../../server/src/indexing/handlers';
import type { Embedder } from '../../../server/src/indexing/embedder';
import { createBatchIndexer } from '../../../server/src/indexing/batch-indexer';
import type { BatchControl, EventConsumer, IncomingMessage } from '../../../server/src/messaging/consumer';
import { DEAD_LETTER_HEADERS } from '../../../server/src/messaging/dead-letter';
import type { OutgoingMessage } from '../../../server/src/messaging/producer';
import type { VectorStore } from '../../../server/src/vector-store/types';
import { silentLogger } from '../../../server/src/utils/logger';
import { createMemoryImageCache } from '../../../server/src/verification/image-cache';
import { FAKE_SPACE, stageOneDecisions } from '../fakes/decision';

const detect = createDuplicateDetector({ decisionIn: stageOneDecisions(0.7) });


const message = (offset: number, type: MediaEventType, fileId: number, mime = 'image/jpeg', time = new Date()): IncomingMessage => {
  const file = toMediaFile({ id: fileId, documentId: `doc${fileId}`, name: `f${fileId}.jpg`, url: `/uploads/f${fileId}.jpg`, mime });
  return { key: String(fileId), value: JSON.stringify(buildMediaEvent(type, file, [], { time })), headers: {}, topic: 'media', partition: 0, offset: String(offset) };
};

/** A consumer that delivers one batch and records what was marked done; interrupt() is a stop or a rebalance. */
function fakeConsumer(messages: IncomingMessage[]) {
  const done: string[] = [];
  let active = true;
  let resolveInterrupted!: () => void;
  const interrupted = new Promise<void>((resolve) => (resolveInterrupted = resolve));
  let handler: ((messages: IncomingMessage[], control: BatchControl) => Promise<void>) | undefined;
  const consumer: EventConsumer = {
    start: async (handle) => {
      handler = handle;
    },
    stop: async () => {},
  };
  const deliver = () => handler!(messages, { done: (m) => done.push(m.offset), active: () => active, interrupted });
  const interrupt = () => ((active = false), resolveInterrupted());
  return { consumer, deliver, done, interrupt };
}

/** Vectors are [fileId]; files listed in `failures` fail with the given error. */
function fakeEmbedder(failures: Record<number, Error> = {}) {
  const calls: number[][] = [];
  const embedder: Pick<Embedder, 'embed'> = {
    embed: async (files) => {
      calls.push(files.map((f) => f.id));
      return files.map((f) => failures[f.id] ?? { vector: [f.id], contentHash: String(f.id).padStart(64, '0'), verificationImage: Buffer.from('jpeg'), source: { mime: 'image/jpeg', width: 1, height: 1 } });
    },
  };
  return { embedder, calls };
}

function fakeStore() {
  const writes: string[] = [];
  const store = {
    indexFile: async (fileId: number, _partitions: string[], vector: number[]) => void writes.push(`upsert ${fileId}=${vector}`),
    moveFile: async () => false,
    deleteFile: async (fileId: number) => void writes.push(`delete ${fileId}`),
    serving: async () => ({
      space: FAKE_SPACE,
      // File 1 has a near-duplicate (file 99) in the library; others have nothing close.
      search: async ({ excludeFileId }: { excludeFileId: number }) =>
        excludeFileId === 1 ? [{ fileId: 99, score: 0.95 }, { fileId: 98, score: 0.4 }] : [{ fileId: 98, score: 0.4 }],
    }),
  } as unknown as VectorStore;
  return { store, writes };
}

async function run(messages: IncomingMessage[], options: { batchSize?: number; failures?: Record<number, Error>; applied?: Map<number, number> } = {}) {
  const kafka = fakeConsumer(messages);
  const { embedder, calls } = fakeEmbedder(options.failures);
  const { store, writes } = fakeStore();
  const reports: IndexEvent[][] = [];
  const letters: OutgoingMessage[] = [];
  const worker = createBatchIndexer({
    consumer: kafka.consumer,
    handlers: createMediaEventHandlers({ store, images: createMemoryImageCache() }),
    embedder,
    appliedVersions: async () => options.applied ?? new Map(),
    report: async (events) => void reports.push(events),
    deadLetter: async (batch) => void letters.push(...batch),
    model: 'resnet50',
    detectDuplicates: async (fileId, vector) => detect((await store.serving()) as never, fileId, vector),
    batchSize: options.batchSize ?? 8,
    logger: silentLogger,
  });
  await worker.start();
  const error = await kafka.deliver().catch((e: unknown) => e);
  const reported = reports.flat().map((event) => {
    switch (event.type) {
      case INDEX_EVENT_TYPES.failed:
        return `${event.subject} failed: ${event.data.reason}`;
      case INDEX_EVENT_TYPES.duplicateDetected:
        return `${event.subject} duplicates ${event.data.duplicates.map((d) => d.fileId).join(',')}`;
      default:
        return `${event.subject} ${event.data.action}`;
    }
  });
  return { error, embedCalls: calls, writes, done: kafka.done, reported, reports, letters };
}

describe('index worker', () => {
  it('embeds the images of a chunk in one model call, and applies events in order', async () => {
    const { embedCalls, writes, done } = await run([
      message(0, MEDIA_EVENT_TYPES.created, 1),
      message(1, MEDIA_EVENT_TYPES.created, 2),
      message(2, MEDIA_EVENT_TYPES.deleted, 1),
      message(3, MEDIA_EVENT_TYPES.replaced, 3),
    ]);
    expect(embedCalls).toEqual([[1, 2, 3]]);
    expect(writes).toEqual(['upsert 1=1', 'upsert 2=2', 'delete 1', 'upsert 3=3']);
    expect(done).toEqual(['0', '1', '2', '3']);
  });

  it('reports what became of every event, as valid index events, in one publish per chunk', async () => {
    const messages = [message(0, MEDIA_EVENT_TYPES.created, 1), message(1, MEDIA_EVENT_TYPES.created, 2, 'application/pdf')];
    const { reports, reported } = await run(messages);
    expect(reports).toHaveLength(1);
    // File 1 has a near-duplicate in the library: a duplicate-detected event follows the chunk's applied events.
    expect(reported).toEqual(['1 indexed', '2 skipped', '1 duplicates 99']);
    for (const event of reports[0]) expect(indexEventSchema.safeParse(event).success).toBe(true);
    expect(reports[0][0].data).toMatchObject({ fileId: 1, model: 'resnet50', causation: { id: JSON.parse(messages[0].value!).id, type: MEDIA_EVENT_TYPES.created } });
  });

  describe('chunks in a pipeline', () => {
    /** A worker whose steps all log to one list, with a report step the test controls. */
    function pipelined(messages: IncomingMessage[], report: (events: IndexEvent[]) => Promise<void>, options: { stallEmbeddingOf?: number } = {}) {
      const kafka = fakeConsumer(messages);
      const { embedder } = fakeEmbedder();
      const { store } = fakeStore();
      const log: string[] = [];
      const worker = createBatchIndexer({
        consumer: kafka.consumer,
        handlers: createMediaEventHandlers({
          store: { ...store, indexFile: async (fileId: number) => void log.push(`apply ${fileId}`) } as unknown as VectorStore,
          images: createMemoryImageCache(),
        }),
        embedder: {
          embed: async (files) => {
            log.push(`embed ${files.map((f) => f.id)}`);
            return files[0].id === options.stallEmbeddingOf ? new Promise(() => {}) : embedder.embed(files);
          },
        },
        appliedVersions: async () => new Map(),
        report: async (events) => {
          log.push(`report ${[...new Set(events.map((event) => event.subject))]}`);
          await report(events);
        },
        deadLetter: async () => {},
        model: 'resnet50',
        detectDuplicates: async () => ({ duplicates: [], unverified: 0, threshold: 0.7 }),
        batchSize: 2,
        logger: silentLogger,
      });
      return { worker, kafka, log };
    }
    const messages = [1, 2, 3, 4].map((id, i) => message(i, MEDIA_EVENT_TYPES.created, id));

    it('embeds the next chunk while the last one finishes, and applies it only once that one is stored', async () => {
      let release!: () => void;
      const firstReport = new Promise<void>((resolve) => (release = resolve));
      const { worker, kafka, log } = pipelined(messages, (events) => (events[0].subject === '1' ? firstReport : Promise.resolve()));
      await worker.start();
      const delivered = kafka.deliver();
      await new Promise((resolve) => setImmediate(resolve));
      // The first chunk's report is still pending: the second chunk is embedded meanwhile, not applied.
      expect(log.slice(0, 3)).toEqual(['embed 1,2', 'apply 1', 'apply 2']);
      expect(new Set(log.slice(3))).toEqual(new Set(['report 1,2', 'embed 3,4']));
      expect(kafka.done).toEqual([]);
      release();
      await delivered;
      expect(log.slice(5)).toEqual(['apply 3', 'apply 4', 'report 3,4']);
      expect(kafka.done).toEqual(['0', '1', '2', '3']);
    });

    it('on a stop or a rebalance, marks done the chunk it finished and drops the one being embedded instead of waiting for it', async () => {
      const { worker, kafka, log } = pipelined(messages, async () => {}, { stallEmbeddingOf: 3 });
      await worker.start();
      const delivered = kafka.deliver();
      await new Promise((resolve) => setImmediate(resolve));
      expect(log).toContain('embed 3,4');
      kafka.interrupt();
      await delivered;
      expect(kafka.done).toEqual(['0', '1']);
      expect(log).not.toContain('apply 3');
    });

    it('stops at a failed publish: that chunk is not marked done and the next one is not applied', async () => {
      const { worker, kafka, log } = pipelined(messages, async (events) => {
        if (events[0].subject === '1') throw new UnavailableError('Kafka is down');
      });
      await worker.start();
      await expect(kafka.deliver()).rejects.toThrow('Kafka is down');
      expect(log).not.toContain('apply 3');
      expect(kafka.done).toEqual([]);
    });
  });

  it('splits a large batch into chunks of batchSize', async () => {
    const messages = Array.from({ length: 5 }, (_, i) => message(i, MEDIA_EVENT_TYPES.created, i + 1));
    const { embedCalls } = await run(messages, { batchSize: 2 });
    expect(embedCalls).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('dead-letters what can never be indexed, with the reason and attempt count, and the rest of the batch goes on', async () => {
    const redriven = { ...message(0, MEDIA_EVENT_TYPES.created, 1), headers: { [DEAD_LETTER_HEADERS.attempts]: '1' } };
    const malformed = { ...message(2, MEDIA_EVENT_TYPES.created, 3), value: 'not json' };
    const { error, writes, done, reported, letters } = await run([redriven, message(1, MEDIA_EVENT_TYPES.created, 2), malformed], {
      failures: { 1: new UnindexableError('the file is empty') },
    });
    expect(error).toBeUndefined();
    expect(writes).toEqual(['upsert 2=2']);
    expect(done).toEqual(['0', '1', '2']);
    expect(reported).toEqual(['1 failed: the file is empty', '2 indexed']);
    // The original messages, unchanged, with why in the headers; the re-driven one counts its second attempt.
    expect(letters.map((letter) => [letter.key, letter.value === redriven.value || letter.value === 'not json'])).toEqual([
      ['1', true],
      ['3', true],
    ]);
    expect(letters[0].headers).toMatchObject({ [DEAD_LETTER_HEADERS.error]: 'the file is empty', [DEAD_LETTER_HEADERS.attempts]: '2', [DEAD_LETTER_HEADERS.source]: 'media/0/0' });
    expect(letters[1].headers).toMatchObject({ [DEAD_LETTER_HEADERS.error]: expect.stringContaining('not a media event'), [DEAD_LETTER_HEADERS.attempts]: '1' });
  });

  it('stops at a retriable failure without marking it done, so it is re-delivered', async () => {
    const { error, writes, done, reported } = await run(
      [message(0, MEDIA_EVENT_TYPES.created, 1), message(1, MEDIA_EVENT_TYPES.created, 2), message(2, MEDIA_EVENT_TYPES.created, 3)],
      { failures: { 2: new UnavailableError('file storage timed out') } }
    );
    expect(error).toBeInstanceOf(UnavailableError);
    expect(writes).toEqual(['upsert 1=1']);
    expect(done).toEqual(['0']);
    expect(reported).toEqual(['1 indexed', '1 duplicates 99']);
  });

  it('skips events the index has moved past, without embedding them; deletes and equal versions still apply', async () => {
    const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);
    const applied = new Map([[1, at(2000).getTime()], [2, at(1000).getTime()]]);
    const { embedCalls, writes, reported } = await run(
      [
        message(0, MEDIA_EVENT_TYPES.created, 1, 'image/jpeg', at(1000)),
        message(1, MEDIA_EVENT_TYPES.usageChanged, 1, 'image/jpeg', at(1500)),
        message(2, MEDIA_EVENT_TYPES.created, 2, 'image/jpeg', at(1000)),
        message(3, MEDIA_EVENT_TYPES.deleted, 1, 'image/jpeg', at(500)),
      ],
      { applied }
    );
    expect(embedCalls).toEqual([[2]]);
    expect(writes).toEqual(['upsert 2=2', 'delete 1']);
    expect(reported).toEqual(['1 skipped', '1 skipped', '2 indexed', '1 removed']);
  });

  it('does not embed files that are not images', async () => {
    const { embedCalls, writes } = await run([message(0, MEDIA_EVENT_TYPES.created, 1, 'application/pdf')]);
    expect(embedCalls).toEqual([]);
    expect(writes).toEqual([]);
  });
});
