import fs from 'node:fs';
import path from 'node:path';
import { buildDismissedEvent, buildMediaEvent, buildResolvedEvent, toMediaFile } from '../../../server/src/capture/event-builder';
import { channelOf, eventJsonSchemas, indexTopicEventSchema, MEDIA_EVENT_TYPES, mediaEventSchema, toKafkaMessage } from '../../../server/src/contracts/events';

const row = {
  id: 7,
  documentId: 'abc123',
  name: 'cat.jpg',
  url: '/uploads/cat_1a2b.jpg',
  mime: 'image/jpeg',
  width: 640,
  height: 480,
  size: 51.2,
  hash: 'cat_1a2b',
  provider: 'local',
  updatedAt: new Date('2026-11-24T10:00:00.000Z'),
  alternativeText: 'not part of the snapshot',
};

describe('media event envelope', () => {
  const event = buildMediaEvent(MEDIA_EVENT_TYPES.created, toMediaFile(row), ['api::page.page', 'api::article.article', 'api::page.page'], {
    id: '6f1c1a5e-8d7e-4c1e-9a53-2d8a1f0f5b11',
    time: new Date('2026-11-24T10:00:01.000Z'),
  });

  it('is a valid CloudEvent of the versioned type, about the file', () => {
    expect(mediaEventSchema.parse(event)).toEqual(event);
    expect(event).toMatchObject({
      specversion: '1.0',
      type: 'image-search.media.created.v1',
      subject: '7',
      time: '2026-11-24T10:00:01.000Z',
      dataschema: 'urn:strapi-image-search:schema:image-search.media.created.v1',
    });
  });

  it('carries a snapshot of the file and the sorted, distinct content types using it', () => {
    expect(event.data.file).toEqual({
      id: 7,
      documentId: 'abc123',
      name: 'cat.jpg',
      url: '/uploads/cat_1a2b.jpg',
      mime: 'image/jpeg',
      width: 640,
      height: 480,
      size: 51.2,
      hash: 'cat_1a2b',
      provider: 'local',
      updatedAt: '2026-11-24T10:00:00.000Z',
    });
    expect(event.data.contentTypes).toEqual(['api::article.article', 'api::page.page']);
  });

  it("carries Strapi's stored formats, from an object or its JSON text, keeping only well-formed entries", () => {
    const medium = { name: 'medium_cat.jpg', hash: 'medium_cat_1a2b', url: '/uploads/medium_cat_1a2b.jpg', width: 750, height: 563, size: 40.1 };
    const formats = { medium, thumbnail: { url: '/uploads/thumbnail_cat_1a2b.jpg', width: 208, height: 156 }, broken: { url: '' } };
    const expected = { medium: { url: medium.url, width: 750, height: 563 }, thumbnail: formats.thumbnail };
    expect(toMediaFile({ ...row, formats }).formats).toEqual(expected);
    expect(toMediaFile({ ...row, formats: JSON.stringify(formats) }).formats).toEqual(expected);
    expect(toMediaFile({ ...row, formats: null })).not.toHaveProperty('formats');
    expect(toMediaFile({ ...row, formats: 'not json' })).not.toHaveProperty('formats');
  });

  it('is keyed by file id on Kafka, so one file stays on one partition in order', () => {
    const message = toKafkaMessage(event);
    expect(message.key).toBe('7');
    expect(JSON.parse(message.value)).toEqual(event);
    expect(message.headers).toMatchObject({ ce_type: event.type, ce_id: event.id });
  });

  it('gets a fresh id per event', () => {
    const a = buildMediaEvent(MEDIA_EVENT_TYPES.deleted, toMediaFile(row), []);
    const b = buildMediaEvent(MEDIA_EVENT_TYPES.deleted, toMediaFile(row), []);
    expect(a.id).not.toBe(b.id);
  });

  it('rejects an envelope of an unknown type or version', () => {
    expect(mediaEventSchema.safeParse({ ...event, type: 'image-search.media.created.v9' }).success).toBe(false);
  });
});

describe('decision events', () => {
  const entry = { contentType: 'api::article.article', documentId: 'doc1', field: 'cover', locale: 'en', status: 'published' as const, fromFileId: 9 };

  it('a merge is about the keeper, with the copies as they were and every entry re-pointed, on the index topic', () => {
    const event = buildResolvedEvent({ ...row, alternativeText: 'kept' }, [{ ...row, id: 9, url: '/uploads/copy.jpg' }], [entry]);
    expect(indexTopicEventSchema.parse(event)).toEqual(event);
    expect(event).toMatchObject({ type: 'image-search.duplicates.resolved.v1', subject: '7' });
    expect(event.data.keeper.id).toBe(7);
    expect(event.data.deleted.map((file) => [file.id, file.url])).toEqual([[9, '/uploads/copy.jpg']]);
    expect(event.data.repointed).toEqual([entry]);
    expect(channelOf(event.type)).toBe('index');
    expect(toKafkaMessage(event).key).toBe('7');
  });

  it('a dismissal is about the smallest file, with the files ascending and the contents the mark follows', () => {
    const hash = 'a'.repeat(64);
    const event = buildDismissedEvent([12, 5, 12], 'keep-both', [hash, hash]);
    expect(indexTopicEventSchema.parse(event)).toEqual(event);
    expect(event).toMatchObject({ type: 'image-search.duplicates.dismissed.v1', subject: '5', data: { fileIds: [5, 12], decision: 'keep-both', contentHashes: [hash] } });
    expect(channelOf(MEDIA_EVENT_TYPES.deleted)).toBe('media');
  });
});

describe('published JSON Schemas', () => {
  const dir = path.join(__dirname, '../../../server/src/contracts/schemas');

  it.each(Object.entries(eventJsonSchemas()))('%s is committed and matches the code', (type, schema) => {
    const committed = JSON.parse(fs.readFileSync(path.join(dir, `${type}.json`), 'utf8'));
    expect(committed).toEqual(schema);
  });
});
