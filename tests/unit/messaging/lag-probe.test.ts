import type { Kafka } from 'kafkajs';
import { createLagProbe } from '../../../server/src/messaging/client';

/** A kafkajs admin whose broker answers, or never does (connect hangs, as kafkajs retrying a down broker). */
function fakeKafka(answers: boolean) {
  const calls = { connect: 0, fetchOffsets: 0 };
  const admin = {
    connect: () => (calls.connect++, answers ? Promise.resolve() : new Promise<void>(() => undefined)),
    fetchTopicOffsets: async () => [{ partition: 0, offset: '10', high: '10', low: '0' }],
    fetchOffsets: async () => (calls.fetchOffsets++, [{ topic: 'media', partitions: [{ partition: 0, offset: '4' }] }]),
    disconnect: async () => undefined,
  };
  return { kafka: { admin: () => admin } as unknown as Pick<Kafka, 'admin'>, calls };
}

describe('consumer lag probe', () => {
  it('answers with the messages the group has not committed', async () => {
    const { kafka } = fakeKafka(true);
    await expect(createLagProbe(kafka, { groupId: 'g', topic: 'media' }).lag()).resolves.toBe(6);
  });

  it('gives up within its bound while Kafka does not answer, and polls share the question still waiting', async () => {
    const { kafka, calls } = fakeKafka(false);
    const probe = createLagProbe(kafka, { groupId: 'g', topic: 'media', answerMs: 50 });
    const started = Date.now();
    const polls = await Promise.allSettled([probe.lag(), probe.lag(), probe.lag()]);
    expect(polls.map((poll) => poll.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(probe.lag()).rejects.toThrow('no answer within');
    expect(calls.connect).toBe(1);
  });
});
