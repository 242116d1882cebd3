import { buildEvent, INDEX_EVENT_TYPES, MEDIA_EVENT_TYPES, toKafkaMessage, type IndexAction } from '../../../server/src/contracts/events';
import { applyToGraph, createIndexStateTracker } from '../../../server/src/capture/index-state-tracker';
import { buildDismissedEvent } from '../../../server/src/capture/event-builder';
import type { EventConsumer, IncomingMessage } from '../../../server/src/messaging/consumer';
import type { IndexStateRepository } from '../../../server/src/strapi-data/index-state';
import { silentLogger } from '../../../server/src/utils/logger';
import type { DuplicateGraph } from '../../../server/src/strapi-data/duplicate-graph';

const causation = { id: '6f1c1f0e-0d4b-4d8e-9f57-2a4e0b1c9d11', type: MEDIA_EVENT_TYPES.created };
const applied = (fileId: number, action: IndexAction) =>
  buildEvent(INDEX_EVENT_TYPES.applied, fileId, { fileId, model: 'resnet50', action, reason: null, causation });

function recordingGraph() {
  const calls: string[] = [];
  const graph = {
    addPairs: async (fileId: number, duplicates: Array<{ fileId: number }>) => void calls.push(`add ${fileId}: ${duplicates.map((d) => d.fileId).join(',')}`),
    removeFile: async (fileId: number) => void calls.push(`remove ${fileId}`),
  } as unknown as DuplicateGraph;
  return { graph, calls };
}

describe('the duplicate graph follows the index events', () => {
  it('drops a file’s pairs with a new vector or none, adds them from its duplicate check, and leaves them through a move or a skip', async () => {
    const { graph, calls } = recordingGraph();
    for (const event of [
      applied(1, 'indexed'),
      buildEvent(INDEX_EVENT_TYPES.duplicateDetected, 1, {
        fileId: 1,
        model: 'resnet50',
        threshold: 0.7,
        duplicates: [{ fileId: 2, similarity: 0.9 }],
        causation,
      }),
      applied(1, 'moved'),
      applied(1, 'skipped'),
      buildEvent(INDEX_EVENT_TYPES.failed, 1, { fileId: 1, model: 'resnet50', reason: 'corrupt', causation }),
      applied(2, 'removed'),
    ]) {
      await applyToGraph(graph, event);
    }
    expect(calls).toEqual(['remove 1', 'add 1: 2', 'remove 2']);
  });
});

describe('the index-state tracker', () => {
  it("records the workers' events, passes over editors' decisions on the same topic quietly, and warns of a malformed message", async () => {
    const { graph, calls } = recordingGraph();
    const recorded: string[] = [];
    const warnings: string[] = [];
    const done: string[] = [];
    const values = [toKafkaMessage(applied(1, 'indexed')).value, toKafkaMessage(buildDismissedEvent([1, 2], 'not-duplicates', [])).value, '{"type":"nonsense"}'];
    const messages = values.map((value, i): IncomingMessage => ({ key: '1', value, headers: {}, topic: 'index', partition: 0, offset: String(i) }));
    const consumer = {
      start: (handle) => handle(messages, { done: (message) => void done.push(message.offset), active: () => true, interrupted: new Promise(() => undefined) }),
      stop: async () => undefined,
    } as EventConsumer;
    const states = { record: async (event: { type: string }) => (recorded.push(event.type), true) } as unknown as IndexStateRepository;
    await createIndexStateTracker({ consumer, states, graph, logger: { ...silentLogger, warn: (line: string) => void warnings.push(line) } }).start();
    expect(recorded).toEqual([INDEX_EVENT_TYPES.applied]);
    expect(calls).toEqual(['remove 1']);
    expect(warnings).toEqual([expect.stringContaining('offset 2')]);
    expect(done).toEqual(['0', '1', '2']);
  });
});
