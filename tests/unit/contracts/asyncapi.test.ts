import fs from 'node:fs';
import path from 'node:path';
import { DiagnosticSeverity, Parser, type AsyncAPIDocumentInterface, type MessageInterface } from '@asyncapi/parser';
import YAML from 'yaml';
import { asyncApiDocument } from '../../../server/src/contracts/asyncapi';
import { MEDIA_EVENT_TYPES, buildEvent, channelOf, eventJsonSchemas, toKafkaMessage, type EventType } from '../../../server/src/contracts/events';
import { parseConfig } from '../../../server/src/config/schema';
import { DEAD_LETTER_HEADERS } from '../../../server/src/messaging/dead-letter';

const committedText = fs.readFileSync(path.join(__dirname, '../../../server/src/contracts/asyncapi.yaml'), 'utf8');
const schemas = eventJsonSchemas() as Record<EventType, { $schema?: string }>;
const types = Object.keys(schemas) as EventType[];
/** A schema as written, without the ids the parser adds to each. */
const asWritten = (schema: unknown) => JSON.parse(JSON.stringify(schema, (key, value) => (key.startsWith('x-parser-') ? undefined : value)));
const headersOf = (message: MessageInterface) => message.headers()!.json() as { properties: Record<string, object>; required: string[] };
const defaults = parseConfig({ kafka: { brokers: ['kafka:9092'] }, milvus: { address: 'milvus:19530' } }).kafka;

describe('the AsyncAPI document', () => {
  let document: AsyncAPIDocumentInterface;

  beforeAll(async () => {
    const { document: parsed, diagnostics } = await new Parser().parse(committedText);
    const problems = diagnostics.filter((diagnostic) => diagnostic.severity <= DiagnosticSeverity.Warning);
    expect(problems.map(({ code, message, path: where }) => `${code} at ${where.join('.')}: ${message}`)).toEqual([]);
    document = parsed!;
  });

  it('is committed as generated from the contracts (npm run schemas)', () => {
    expect(YAML.parse(committedText)).toEqual(JSON.parse(JSON.stringify(asyncApiDocument())));
  });

  it('names each topic by its default, the plugin sending on all three', () => {
    const addresses = Object.fromEntries(document.channels().all().map((channel) => [channel.id(), channel.address()]));
    expect(addresses).toEqual({ media: defaults.topic, index: defaults.indexTopic, deadLetters: defaults.deadLetterTopic });
    expect(document.operations().all().map((operation) => [operation.action(), operation.channels().all()[0].id()])).toEqual([
      ['send', 'media'],
      ['send', 'index'],
      ['send', 'deadLetters'],
    ]);
  });

  it.each(types)('%s is on its topic, its payload the published JSON Schema, keyed by file id', (type) => {
    const channel = document.channels().get(channelOf(type))!;
    const message = channel.messages().get(type)!;
    const { $schema: _draft, ...published } = schemas[type];
    expect(asWritten(message.payload()!.json())).toEqual(published);
    expect(message.bindings().get('kafka')!.value().key).toEqual({ type: 'string', pattern: '^\\d+$', description: expect.any(String) });
  });

  it('documents the headers every event carries, as toKafkaMessage writes them', () => {
    const event = buildEvent(MEDIA_EVENT_TYPES.deleted, 7, {
      file: { id: 7, documentId: 'd7', name: 'a.jpg', url: '/a.jpg', mime: 'image/jpeg', width: 1, height: 1, size: 1, hash: 'a', provider: 'local', updatedAt: null },
      contentTypes: [],
    });
    const { headers } = toKafkaMessage(event);
    const documented = headersOf(document.channels().get('media')!.messages().get(event.type)!);
    expect(Object.keys(documented.properties)).toEqual(Object.keys(headers));
    expect(documented.properties['content-type']).toMatchObject({ const: headers['content-type'] });
    expect(documented.properties.ce_type).toMatchObject({ const: headers.ce_type });
  });

  it('has every media message again on the dead letters, with the reason headers, and the unreadable ones', () => {
    const deadLetters = document.channels().get('deadLetters')!.messages();
    for (const type of Object.values(MEDIA_EVENT_TYPES)) {
      const message = deadLetters.get(`dead-letter.${type}`)!;
      expect(message.payload()!.json()).toEqual(document.channels().get('media')!.messages().get(type)!.payload()!.json());
      expect(headersOf(message).required).toEqual(expect.arrayContaining(['ce_type', ...Object.values(DEAD_LETTER_HEADERS)]));
    }
    expect(headersOf(deadLetters.get('dead-letter.unreadable')!).required).toEqual(Object.values(DEAD_LETTER_HEADERS));
    expect(deadLetters.all()).toHaveLength(Object.values(MEDIA_EVENT_TYPES).length + 1);
  });
});
