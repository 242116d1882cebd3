import type { Outbox, PendingEvent } from '../../../server/src/strapi-data/outbox';
import { createOutboxRelay, relayLease } from '../../../server/src/capture/relay';
import type { Leases } from '../../../server/src/strapi-data/leases';
import type { EventProducer } from '../../../server/src/messaging/producer';
import { silentLogger } from '../../../server/src/utils/logger';
import type { EventChannel } from '../../../server/src/contracts/events';

const NOW = Date.parse('2026-11-24T12:00:00Z');

/** An in-memory outbox: rows 1..n pending, in order; `channels` gives each row's topic (media by default). */
function fakeOutbox(count: number, channels: EventChannel[] = []) {
  const rows = Array.from({ length: count }, (_, i) => ({ id: i + 1, channel: channels[i] ?? 'media', sent: false, error: null as string | null }));
  const cutoffs: Date[] = [];
  const outbox = {
    takePending: async (limit: number): Promise<PendingEvent[]> =>
      rows.filter((row) => !row.sent).slice(0, limit).map((row) => ({ id: row.id, channel: row.channel, message: { key: String(row.id), value: `event ${row.id}`, headers: {} } })),
    markSent: async (ids: readonly number[]) => rows.forEach((row) => ids.includes(row.id) && (row.sent = true)),
    markFailed: async (ids: readonly number[], reason: string) => rows.forEach((row) => ids.includes(row.id) && (row.error = reason)),
    pruneSent: async (cutoff: Date) => {
      cutoffs.push(cutoff);
      return 0;
    },
  } as unknown as Outbox;
  return { outbox, rows, cutoffs };
}

const alwaysOurs = { claim: async () => true, release: async () => undefined };

async function runOnce(outbox: Outbox, producer: EventProducer, lease = alwaysOurs, batchSize = 2) {
  const relay = createOutboxRelay({ outbox, producer, topics: { media: 'media-topic', index: 'index-topic' }, pollIntervalMs: 60_000, batchSize, retentionHours: 24, lease, logger: silentLogger, now: () => NOW });
  relay.start();
  await new Promise((resolve) => setTimeout(resolve, 20));
  await relay.stop();
}

describe('outbox relay', () => {
  it('publishes every pending row in order, in batches, marks them sent, then prunes rows past retention', async () => {
    const { outbox, rows, cutoffs } = fakeOutbox(5);
    const sent: string[][] = [];
    await runOnce(outbox, { send: async (_topic: string, messages: Array<{ key: string }>) => void sent.push(messages.map((m) => m.key)) } as unknown as EventProducer);
    expect(sent).toEqual([['1', '2'], ['3', '4'], ['5']]);
    expect(rows.every((row) => row.sent)).toBe(true);
    expect(cutoffs).toEqual([new Date(NOW - 24 * 3_600_000)]);
  });

  it("sends each row to its event's topic, keeping insertion order across topics", async () => {
    const { outbox, rows } = fakeOutbox(5, ['media', 'index', 'index', 'media', 'media']);
    const sent: Array<[string, string[]]> = [];
    const producer = { send: async (topic: string, messages: Array<{ key: string }>) => void sent.push([topic, messages.map((m) => m.key)]) } as unknown as EventProducer;
    await runOnce(outbox, producer, alwaysOurs, 10);
    expect(sent).toEqual([['media-topic', ['1']], ['index-topic', ['2', '3']], ['media-topic', ['4', '5']]]);
    expect(rows.every((row) => row.sent)).toBe(true);
  });

  it('keeps rows pending, with the reason, while the broker refuses them', async () => {
    const { outbox, rows, cutoffs } = fakeOutbox(3);
    await runOnce(outbox, { send: async () => Promise.reject(new Error('broker down')) } as unknown as EventProducer);
    expect(rows.map((row) => row.sent)).toEqual([false, false, false]);
    expect(rows.slice(0, 2).map((row) => row.error)).toEqual(['broker down', 'broker down']);
    expect(cutoffs).toEqual([]);
  });

  it('publishes nothing while another instance holds the relay lease, and stops when it loses the lease mid-drain', async () => {
    const { outbox, rows } = fakeOutbox(5);
    const sent: string[] = [];
    const producer = { send: async (_topic: string, messages: Array<{ key: string }>) => void sent.push(...messages.map((m) => m.key)) } as unknown as EventProducer;
    await runOnce(outbox, producer, { claim: async () => false, release: async () => undefined });
    expect(sent).toEqual([]);
    let claims = 0;
    const released: number[] = [];
    await runOnce(outbox, producer, { claim: async () => ++claims <= 2, release: async () => void released.push(claims) });
    expect(sent).toEqual(['1', '2', '3', '4']);
    expect(rows.map((row) => row.sent)).toEqual([true, true, true, true, false]);
    expect(released).toHaveLength(1);
  });

  it('renews its lease in the database once half of it has passed, not on every poll', async () => {
    let clock = 0;
    const calls: string[] = [];
    let free = true;
    const leases = { instance: 'me', acquire: async () => (calls.push('acquire'), free), release: async () => void calls.push('release') } as unknown as Leases;
    const lease = relayLease(leases, () => clock);
    expect(await lease.claim()).toBe(true);
    clock = 20_000;
    expect(await lease.claim()).toBe(true);
    expect(calls).toEqual(['acquire']);
    clock = 30_000;
    free = false;
    expect(await lease.claim()).toBe(false);
    expect(await lease.claim()).toBe(false);
    await lease.release();
    expect(calls).toEqual(['acquire', 'acquire', 'acquire', 'release']);
  });
});
