import type { Admin, Kafka } from 'kafkajs';
import { createLagProbe, partitionLags } from '../../../server/src/messaging/client';

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

describe('partition lags', () => {
  it('counts per partition what the group has not committed; never committed is behind by all still retained', async () => {
    const admin = {
      fetchTopicOffsets: async () => [
        { partition: 1, high: '10', low: '0' },
        { partition: 0, high: '8', low: '3' },
        { partition: 2, high: '5', low: '0' },
      ],
      fetchOffsets: async () => [{ topic: 't', partitions: [{ partition: 0, offset: '-1' }, { partition: 1, offset: '4' }, { partition: 2, offset: '5' }] }],
    } as unknown as Admin;
    expect(await partitionLags(admin, 'g', 't')).toEqual([
      { group: 'g', topic: 't', partition: 0, committed: null, end: 8, lag: 5 },
      { group: 'g', topic: 't', partition: 1, committed: 4, end: 10, lag: 6 },
      { group: 'g', topic: 't', partition: 2, committed: 5, end: 5, lag: 0 },
    ]);
  });
});
