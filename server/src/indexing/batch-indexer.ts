import { buildEvent, INDEX_EVENT_TYPES, mediaEventSchema, parseEvent, type IndexEvent, type MediaEvent, type MediaEventType } from '../contracts/events';
import { errorMessage, isRetriable } from '../errors/pipeline-errors';
import type { BatchControl, EventConsumer, IncomingMessage } from '../messaging/consumer';
import type { Logger } from '../utils/logger';
import type { DuplicateKind } from '../contracts/duplicate-kinds';
import type { ScoredFile } from '../similarity/paging';
import { toDeadLetter } from '../messaging/dead-letter';
import type { OutgoingMessage } from '../messaging/producer';
import type { EmbeddedFile, Embedder } from './embedder';
import { isStale, needsEmbedding, type EmbedFile, type Handler } from './handlers';

/**
 * Consumes media events and applies them to the index, in order per partition. Each fetched batch is worked in
 * chunks: the chunk's images are embedded together (one model call), then its events are applied one by one, and
 * what became of each is reported as an index event before the chunk's offsets are marked done.
 * A retriable failure stops the batch so it is re-delivered from that event; a file that can never be indexed is
 * reported as failed, with the reason, and the stream goes on.
 */

export interface Indexer {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly running: boolean;
}

type DuplicateFound = ScoredFile & { kind: DuplicateKind };

type Parsed = { message: IncomingMessage; event?: MediaEvent; invalid?: string; stale?: boolean };

const STALE = 'stale: the index holds a newer version of this file';

interface Applied {
  report?: IndexEvent;
  deadLetter?: OutgoingMessage;
  /** The vector this event wrote, for the duplicate check. */
  written?: { fileId: number; vector: number[]; causation: { id: string; type: MediaEventType } };
}

export function createBatchIndexer(deps: {
  consumer: EventConsumer;
  handlers: Record<MediaEventType, Handler>;
  embedder: Pick<Embedder, 'embed'>;
  /** The version last applied to each of these files, to skip events the index has moved past. */
  appliedVersions: (fileIds: number[]) => Promise<Map<number, number>>;
  /** Publishes index events; resolves once they are stored. */
  report: (events: IndexEvent[]) => Promise<void>;
  /** Publishes dead letters (messages that can never be applied); resolves once they are stored. */
  deadLetter: (letters: OutgoingMessage[]) => Promise<void>;
  /** Looks for near-duplicates of each newly indexed file (by its model vector), once its chunk is written. */
  detectDuplicates: (fileId: number, vector: number[]) => Promise<{ duplicates: DuplicateFound[]; unverified: number; threshold: number }>;
  /** The model id the index events name. */
  model: string;
  /** Images per model call. */
  batchSize: number;
  logger: Logger;
}): Indexer {
  const { consumer, handlers, embedder, appliedVersions, report, deadLetter, model, detectDuplicates, batchSize, logger } = deps;
  let running = false;

  /** Vectors computed ahead for a chunk; events whose image was not embedded ahead are embedded on demand. */
  function embedFor(event: MediaEvent, ahead: Map<MediaEvent, EmbeddedFile | Error>): EmbedFile {
    return async (file) => {
      const [result] = ahead.has(event) ? [ahead.get(event)!] : await embedder.embed([file]);
      if (result instanceof Error) throw result;
      return result;
    };
  }

  /** Applies one message; returns what to report, and the dead letter when it can never be applied. */
  async function apply({ message, event, invalid, stale }: Parsed, ahead: Map<MediaEvent, EmbeddedFile | Error>): Promise<Applied> {
    if (!event) {
      logger.warn(`dead-lettered message at partition ${message.partition} offset ${message.offset}: ${invalid}`);
      return { deadLetter: toDeadLetter(message, `not a media event: ${invalid}`) };
    }
    const fileId = event.data.file.id;
    const causation = { id: event.id, type: event.type };
    const started = Date.now();
    try {
      const outcome = stale ? { action: 'skipped' as const, reason: STALE } : await handlers[event.type](event, embedFor(event, ahead));
      const from = outcome.decodedFrom && outcome.decodedFrom !== 'original' ? ` from its ${outcome.decodedFrom} format` : '';
      logger.info(`${event.type} file ${fileId}: ${outcome.action}${from}${outcome.reason ? ` (${outcome.reason})` : ''} in ${Date.now() - started} ms`);
      const report = buildEvent(INDEX_EVENT_TYPES.applied, fileId, {
        fileId,
        model,
        action: outcome.action,
        reason: outcome.reason ?? null,
        ...(outcome.contentHash ? { contentHash: outcome.contentHash } : {}),
        causation,
      });
      return { report, written: outcome.vector && { fileId, vector: outcome.vector, causation } };
    } catch (error) {
      if (isRetriable(error)) {
        logger.warn(`retrying ${event.type} file ${fileId}: ${errorMessage(error)}`);
        throw error;
      }
      logger.warn(`file ${fileId} cannot be indexed: ${errorMessage(error)}`);
      return {
        report: buildEvent(INDEX_EVENT_TYPES.failed, fileId, { fileId, model, reason: errorMessage(error), causation }),
        deadLetter: toDeadLetter(message, errorMessage(error)),
      };
    }
  }

  /**
   * Duplicate-detected events for the files this chunk indexed, searched together once all are written, so copies
   * in one chunk find each other. A failed search only costs the notice.
   */
  async function duplicateNotices(written: NonNullable<Applied['written']>[]): Promise<IndexEvent[]> {
    const found = await Promise.all(
      written.map(({ fileId, vector }) =>
        detectDuplicates(fileId, vector).then(
          ({ duplicates, unverified, threshold }) => {
            if (unverified > 0)
              logger.warn(`file ${fileId}: ${unverified} candidate duplicates have no verification image here; the next duplicate scan checks them`);
            return { duplicates, threshold };
          },
          (error) => {
            logger.warn(`duplicate check of file ${fileId} failed: ${errorMessage(error)}`);
            return { duplicates: [], threshold: 0 };
          }
        )
      )
    );
    return written.flatMap(({ fileId, causation }, i) => {
      const { duplicates, threshold } = found[i];
      return duplicates.length > 0 ? [buildEvent(INDEX_EVENT_TYPES.duplicateDetected, fileId, { fileId, model, threshold, duplicates, causation })] : [];
    });
  }

  /** One version lookup per chunk, before embedding, so a replay costs no model calls for superseded events. */
  async function markStale(chunk: Parsed[]): Promise<Parsed[]> {
    const events = chunk.flatMap((item) => (item.event ? [item.event] : []));
    if (events.length === 0) return chunk;
    const applied = await appliedVersions([...new Set(events.map((event) => event.data.file.id))]);
    return chunk.map((item) => (item.event && isStale(item.event, applied) ? { ...item, stale: true } : item));
  }

  /** Looks a chunk up (stale events) and embeds its images: nothing is written yet. */
  async function prepare(messages: IncomingMessage[]): Promise<{ chunk: Parsed[]; ahead: Map<MediaEvent, EmbeddedFile | Error> }> {
    const chunk = await markStale(messages.map(parse));
    const toEmbed = chunk.flatMap((item) => (item.event && !item.stale && needsEmbedding(item.event) ? [item.event] : []));
    const ahead = new Map<MediaEvent, EmbeddedFile | Error>();
    if (toEmbed.length > 0) (await embedder.embed(toEmbed.map((event) => event.data.file))).forEach((result, i) => ahead.set(toEmbed[i], result));
    return { chunk, ahead };
  }

  /**
   * Chunk by chunk: prepare, apply, then finish (duplicate notices, dead letters, reports, marked done). A chunk's
   * finish runs while the next chunk is prepared: both wait on Milvus time ticks (Strong reads) or the model, so
   * overlapping them keeps the worker busy. A chunk applies only once the one before it has finished, so outcomes
   * are stored and offsets marked done in order. On a stop or a rebalance the chunk being prepared is dropped, not
   * awaited: what is done gets committed while the group still waits for this worker.
   */
  async function handleBatch(messages: IncomingMessage[], control: BatchControl): Promise<void> {
    let finishing: Promise<void> = Promise.resolve();
    for (let start = 0; start < messages.length && control.active(); start += batchSize) {
      const preparing = prepare(messages.slice(start, start + batchSize));
      preparing.catch(() => undefined);
      await finishing;
      const prepared = await Promise.race([preparing, control.interrupted.then(() => undefined)]);
      if (!prepared || !control.active()) break;
      const { chunk, ahead } = prepared;
      const applied: IncomingMessage[] = [];
      const reports: IndexEvent[] = [];
      const letters: OutgoingMessage[] = [];
      const written: NonNullable<Applied['written']>[] = [];
      let retry: unknown;
      for (const item of chunk) {
        if (!control.active()) break;
        try {
          const result = await apply(item, ahead);
          if (result.report) reports.push(result.report);
          if (result.deadLetter) letters.push(result.deadLetter);
          if (result.written) written.push(result.written);
          applied.push(item.message);
        } catch (error) {
          retry = error;
          break;
        }
      }
      finishing = (async () => {
        reports.push(...(await duplicateNotices(written)));
        // Stored before marked done: if either publish fails, the chunk is re-delivered and re-applied (idempotently).
        if (letters.length > 0) await deadLetter(letters);
        if (reports.length > 0) await report(reports);
        applied.forEach((message) => control.done(message));
      })();
      // Awaited below; until then a failure must not count as unhandled.
      finishing.catch(() => undefined);
      if (retry) {
        await finishing;
        throw retry;
      }
    }
    await finishing;
  }

  return {
    get running() {
      return running;
    },
    async start() {
      await consumer.start(handleBatch);
      running = true;
    },
    async stop() {
      running = false;
      await consumer.stop();
    },
  };
}

const parse = (message: IncomingMessage): Parsed => ({ message, ...parseEvent(mediaEventSchema, message.value) });
