import { parseConfig } from '../config/schema';
import { createKafka, createLagProbe, ensureTopics } from '../messaging/client';
import { createEventConsumer } from '../messaging/consumer';
import { DEAD_LETTER_HEADERS } from '../messaging/dead-letter';
import { createEventProducer } from '../messaging/producer';
import { consoleLogger } from '../utils/logger';

/**
 * Re-drives the dead letters: every message of the dead-letter topic not re-driven yet goes back to the media
 * topic, carrying its attempt count, so the workers try it again (after the cause was fixed: a codec installed,
 * a limit raised). Its consumer group remembers what was re-driven. Returns how many messages were re-driven.
 */
export async function runRedrive(rawConfig: unknown, print: (line: string) => void): Promise<number> {
  const { kafka: config, worker } = parseConfig(rawConfig);
  const kafka = createKafka(config, consoleLogger);
  await ensureTopics(kafka, config);
  const groupId = `${worker.groupId}-redrive`;

  const probe = createLagProbe(kafka, { groupId, topic: config.deadLetterTopic });
  const waiting = await probe.lag().finally(() => probe.close());
  if (waiting === 0) {
    print(`no dead letters to re-drive in ${config.deadLetterTopic}`);
    return 0;
  }

  const producer = createEventProducer(kafka);
  await producer.connect();
  const consumer = createEventConsumer(kafka, { groupId, topic: config.deadLetterTopic });
  let redriven = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      consumer
        .start(async (messages, control) => {
          await producer.send(
            config.topic,
            messages.map((message) => ({
              key: message.key ?? '',
              value: message.value ?? '',
              headers: { [DEAD_LETTER_HEADERS.attempts]: message.headers[DEAD_LETTER_HEADERS.attempts] ?? '1' },
            }))
          );
          messages.forEach((message) => control.done(message));
          redriven += messages.length;
          print(`re-drove ${redriven} of ${waiting}`);
          if (redriven >= waiting) resolve();
        })
        .catch(reject);
    });
  } finally {
    // Stopping commits the offsets marked done.
    await consumer.stop();
    await producer.disconnect();
  }
  print(`re-drove ${redriven} dead letter(s) from ${config.deadLetterTopic} to ${config.topic}`);
  return redriven;
}
