import type { Kafka } from 'kafkajs';

export interface IncomingMessage {
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  topic: string;
  partition: number;
  offset: string;
}

/** What a batch handler may do while it works through a batch. */
export interface BatchControl {
  /** Marks this message and everything before it on its partition as done; only done offsets are committed. */
  done(message: IncomingMessage): void;
  /** False once the consumer is stopping or the group rebalances: stop early, the rest is re-delivered. */
  active(): boolean;
  /** Resolves when active() turns false, so that long work in flight can be dropped instead of awaited. */
  interrupted: Promise<void>;
}

export interface EventConsumer {
  /**
   * Joins the group and hands over what each fetch returned, one partition's messages at a time, in order.
   * A throw re-delivers from the first message not marked done.
   */
  start(handle: (messages: IncomingMessage[], control: BatchControl) => Promise<void>): Promise<void>;
  /** Final: a stopped consumer never consumes again, even if a start was still under way. */
  stop(): Promise<void>;
}

const FETCH_WAIT_MS = 1000;
/** kafkajs's default heartbeat interval; kafkajs only sends one when this much time has passed since the last. */
const HEARTBEAT_MS = 3000;

export function createEventConsumer(kafka: Kafka, options: { groupId: string; topic: string }): EventConsumer {
  let stopped = false;
  const onStop = new Set<() => void>();
  // A stop waits for the fetch in flight: a 1 s long-poll (kafkajs's default is 5 s) keeps shutdown within its step.
  const consumer = kafka.consumer({
    groupId: options.groupId,
    maxWaitTimeInMs: FETCH_WAIT_MS,
    retry: { retries: 10, restartOnFailure: async () => !stopped },
  });
  // kafkajs restarts a crashed consumer on a timer, and a disconnect while that restart is still connecting returns
  // at once and lets the restart go on: a zombie that would join the group after shutdown. It leaves on joining.
  const leaveIfStopped = () => {
    if (stopped) setImmediate(() => void consumer.disconnect().catch(() => undefined));
  };
  consumer.on(consumer.events.GROUP_JOIN, leaveIfStopped);
  return {
    async start(handle) {
      await consumer.connect();
      // Stopped while connecting or subscribing: a stop is final.
      if (stopped) return consumer.disconnect();
      await consumer.subscribe({ topic: options.topic, fromBeginning: true });
      if (stopped) return consumer.disconnect();
      await consumer.run({
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          if (stopped) return leaveIfStopped();
          const messages = batch.messages.map((message) => ({
            key: message.key?.toString() ?? null,
            value: message.value?.toString() ?? null,
            headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)])),
            topic: batch.topic,
            partition: batch.partition,
            offset: message.offset,
          }));
          let interrupt!: () => void;
          let interrupted = false;
          const interruption = new Promise<void>((resolve) => (interrupt = () => ((interrupted = true), resolve())));
          onStop.add(interrupt);
          // kafkajs learns of a rebalance only from a heartbeat, and a member that does not rejoin in time loses its
          // partitions with what it has not committed: beat while a long batch runs, and stop it on the first refusal.
          // kafkajs commits what is done when a heartbeat meets a rebalance, and again when the batch returns.
          const beating = setInterval(() => heartbeat().catch(interrupt), HEARTBEAT_MS);
          try {
            await handle(messages, {
              done: (message) => resolveOffset(message.offset),
              active: () => !interrupted && isRunning() && !isStale(),
              interrupted: interruption,
            });
          } finally {
            clearInterval(beating);
            onStop.delete(interrupt);
          }
        },
      });
    },
    async stop() {
      stopped = true;
      onStop.forEach((interrupt) => interrupt());
      await consumer.disconnect();
    },
  };
}
