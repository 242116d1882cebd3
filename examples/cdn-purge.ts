/**
 * An example consumer of strapi-plugin-image-search's events: what a CDN would purge when images go away. It needs
 * only kafkajs, so another team can copy it. Run it with a TypeScript runner or compile it with tsc, for example
 * KAFKA_BROKERS=localhost:9092 npx tsx examples/cdn-purge.ts
 * Env: KAFKA_BROKERS, IMAGE_SEARCH_TOPIC and IMAGE_SEARCH_INDEX_TOPIC (the plugin's kafka.topic and kafka.indexTopic),
 * PUBLIC_URL (makes Strapi's relative URLs absolute), GROUP_ID. Schemas: the README's event reference.
 */
import { Kafka, logLevel } from 'kafkajs';

// Only the fields used here; the events (CloudEvents 1.0, JSON, keyed by file id) carry more.
interface FileSnapshot { id: number; url: string; formats?: Record<string, { url: string }> }
interface RepointedEntry { contentType: string; documentId: string; field: string; locale: string | null; status: 'draft' | 'published'; fromFileId: number }
interface Event { id: string; type: string; data: unknown }
type DeletedData = { file: FileSnapshot };
type ResolvedData = { keeper: FileSnapshot; deleted: FileSnapshot[]; repointed: RepointedEntry[] };

const env = process.env;
// At WARN, kafkajs's own lines go to stderr, leaving stdout to the purges.
const kafka = new Kafka({ clientId: 'cdn-purge', brokers: (env.KAFKA_BROKERS ?? 'localhost:9092').split(','), logLevel: logLevel.WARN });
const consumer = kafka.consumer({ groupId: env.GROUP_ID ?? 'cdn-purge' });
const absolute = (url: string) => (env.PUBLIC_URL ? new URL(url, env.PUBLIC_URL).href : url);
const urlsOf = (file: FileSnapshot) => [file.url, ...Object.values(file.formats ?? {}).map((format) => format.url)].map(absolute);

// Delivery is at least once: a redelivered event has the same id. Keep the last ids seen (persist them in production).
const seen = new Set<string>();
function firstTime(id: string): boolean {
  if (seen.has(id)) return false;
  seen.add(id);
  if (seen.size > 10_000) seen.delete(seen.values().next().value!); // the oldest
  return true;
}

function handle(event: Event): void {
  if (event.type === 'image-search.media.deleted.v1') {
    urlsOf((event.data as DeletedData).file).forEach((url) => console.log(`purge ${url}`));
  } else if (event.type === 'image-search.duplicates.resolved.v1') {
    // Each deleted copy also gets its own media.deleted event: purging twice is harmless.
    const { deleted, repointed } = event.data as ResolvedData;
    deleted.flatMap(urlsOf).forEach((url) => console.log(`purge ${url}`));
    repointed.forEach((e) => console.log(`purge-page ${e.contentType} ${e.documentId} ${e.locale ?? '-'} ${e.status} (${e.field} was file ${e.fromFileId})`));
  }
}

async function main() {
  await consumer.connect();
  const topics = [env.IMAGE_SEARCH_TOPIC ?? 'strapi.image-search.media.v1', env.IMAGE_SEARCH_INDEX_TOPIC ?? 'strapi.image-search.index.v1'];
  // A new group starts from the oldest retained event: purging again what is long gone is harmless.
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    // kafkajs commits an offset once its handler returned: a crash re-delivers, never skips.
    eachMessage: async ({ message }) => {
      try {
        const event = JSON.parse(message.value?.toString() ?? '') as Event;
        if (firstTime(event.id)) handle(event);
      } catch (error) {
        // A malformed message is skipped rather than retried forever (a real purge call would retry its own failures).
        console.error(`skipped a malformed message (key ${message.key}): ${error}`);
      }
    },
  });
}

for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void consumer.disconnect().then(() => process.exit(0)));
main().catch((error) => (console.error(error), process.exit(1)));
