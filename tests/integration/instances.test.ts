import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mediaEventSchema, MEDIA_EVENT_TYPES, parseEvent, type MediaEvent } from '../../server/src/contracts/events';
import { mapConcurrently } from '../../server/src/utils/map-concurrently';
import { generatedImages, readTopic } from '../helpers/faults';
import { appEnv, eventually, queryDatabase, testDatabase } from '../helpers/services';
import { startStrapiProcess, type StrapiProcess } from '../helpers/strapi-process';

/**
 * Several Strapi instances on one PostgreSQL or MySQL database, as behind a load balancer: changes recorded by
 * either instance reach Kafka exactly once each and in order per file, through a rolling restart of one of them.
 * (SQLite is one process's file: this suite runs on the database servers only.)
 */

const UPLOADS = 200;
const run = `in${Date.now().toString(36)}`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'image-search-instances-'));
// Only capture and relay run in these instances: the test reads what they published.
const env: Record<string, string> = { ...appEnv(run, tmp), IMAGE_SEARCH_IN_PROCESS_WORKER: 'false' };
const onServer = testDatabase() === 'sqlite' ? describe.skip : describe;

let first: StrapiProcess;
let second: StrapiProcess;

afterAll(async () => {
  await Promise.all([first?.stop(), second?.stop()]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

onServer(`two Strapi instances on one ${testDatabase()} database`, () => {
  beforeAll(async () => {
    // One after the other, as a deployment rolls out: the first creates the schema.
    first = await startStrapiProcess(env, { createToken: true });
    second = await startStrapiProcess(env);
  }, 240_000);

  it('publishes every change once, in order per file, whichever instance recorded it, through a rolling restart', async () => {
    const token = first.token!;
    const images = await generatedImages(tmp, UPLOADS);
    const upload = async (instance: StrapiProcess, file: string) => {
      const form = new FormData();
      form.append('files', new Blob([new Uint8Array(fs.readFileSync(file))]), path.basename(file));
      const res = await fetch(`${instance.url}/api/upload`, { method: 'POST', body: form, headers: { Authorization: `Bearer ${token}` } });
      if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
      return ((await res.json()) as Array<{ id: number }>)[0].id;
    };
    // An edit of the file's info through the other instance: a second event for the file, recorded elsewhere.
    const edit = async (instance: StrapiProcess, id: number) => {
      const form = new FormData();
      form.append('fileInfo', JSON.stringify({ alternativeText: `edited ${id}` }));
      const res = await fetch(`${instance.url}/api/upload?id=${id}`, { method: 'POST', body: form, headers: { Authorization: `Bearer ${token}` } });
      if (res.status !== 200) throw new Error(`edit of file ${id} answered ${res.status}: ${await res.text()}`);
    };
    // Upload through one instance, edit through the other, alternating.
    const change = async (i: number) => {
      const [here, there] = i % 2 === 0 ? [first, second] : [second, first];
      await edit(there, await upload(here, images[i]));
    };

    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
    await mapConcurrently(range(0, UPLOADS / 2), 6, change);
    // A rolling restart: the first instance stops (its relay lease is released), then comes back.
    await first.stop();
    const restarted = startStrapiProcess(env);
    await mapConcurrently(images.slice(UPLOADS / 2, (3 * UPLOADS) / 4), 6, async (file) => edit(second, await upload(second, file)));
    first = await restarted;
    await mapConcurrently(range((3 * UPLOADS) / 4, UPLOADS), 6, change);

    const pendingRows = async () => Number((await queryDatabase(env, 'SELECT COUNT(*) AS n FROM image_search_outbox WHERE sent_at IS NULL'))[0].n);
    await eventually('the outbox to drain', async () => ((await pendingRows()) === 0 ? true : undefined), 120_000, 500);

    const events = (await readTopic(env.KAFKA_BROKERS.split(','), env.IMAGE_SEARCH_TOPIC))
      .sort((a, b) => a.partition - b.partition || a.offset - b.offset)
      .flatMap((message) => {
        const parsed = parseEvent(mediaEventSchema, message.value);
        return 'event' in parsed ? [parsed.event as MediaEvent] : [];
      });
    const byFile = new Map<number, MediaEvent[]>();
    for (const event of events) byFile.set(event.data.file.id, [...(byFile.get(event.data.file.id) ?? []), event]);
    const doubled = events.length - new Set(events.map((event) => event.id)).size;
    const complete = [...byFile.values()].filter((list) => list.some((e) => e.type === MEDIA_EVENT_TYPES.created) && list.some((e) => e.type === MEDIA_EVENT_TYPES.updated));
    const outOfOrder = [...byFile.values()].filter((list) => list.findIndex((e) => e.type === MEDIA_EVENT_TYPES.created) > list.findIndex((e) => e.type === MEDIA_EVENT_TYPES.updated));
    const figures = { files: byFile.size, events: events.length, lost: UPLOADS - complete.length, doubled, outOfOrder: outOfOrder.length, pending: await pendingRows() };
    console.log(
      `INSTANCES 2 Strapi processes on ${testDatabase()}, ${UPLOADS} uploads and ${UPLOADS} edits spread over both, one rolling restart: ` +
        `${figures.events} events for ${figures.files} files, ${figures.lost} lost, ${figures.doubled} doubled, ${figures.outOfOrder} out of order, ${figures.pending} outbox rows pending`
    );
    expect(figures).toEqual({ files: UPLOADS, events: 2 * UPLOADS, lost: 0, doubled: 0, outOfOrder: 0, pending: 0 });
  });
});

// Jest needs a test in every file it runs.
if (testDatabase() === 'sqlite') it.skip('runs on PostgreSQL and MySQL/MariaDB only', () => undefined);
