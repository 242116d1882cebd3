import { parseCommandLine, UsageError } from '../../../server/src/cli/command-line';
import { isShown, parseEventsOptions, toEventLine, type EventLine } from '../../../server/src/cli/events';
import { buildEvent, DECISION_EVENT_TYPES, INDEX_EVENT_TYPES, MEDIA_EVENT_TYPES, toKafkaMessage, type MediaFile } from '../../../server/src/contracts/events';
import type { IncomingMessage } from '../../../server/src/messaging/consumer';
import { DEAD_LETTER_HEADERS, toDeadLetter } from '../../../server/src/messaging/dead-letter';

/** The pure parts of `strapi-image-search events`: its options, how a message becomes a line, filters and lag. */

const options = (argv: string[]) => {
  const line = parseCommandLine(['events', ...argv]);
  if ('help' in line) throw new Error('help');
  return parseEventsOptions(line.values);
};
const refusal = (argv: string[]) => {
  try {
    options(argv);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error(`${argv.join(' ')} was accepted`);
};

const file = (id: number): MediaFile => ({
  id,
  documentId: `doc${id}`,
  name: `photo-${id}.jpg`,
  url: `/uploads/photo_${id}.jpg`,
  mime: 'image/jpeg',
  width: 800,
  height: 600,
  size: 52.1,
  hash: `photo_${id}`,
  provider: 'local',
  updatedAt: '2025-01-01T00:00:00.000Z',
});
const message = (topic: string, value: string | null, key: string | null, headers: Record<string, string> = {}): IncomingMessage => ({
  topic,
  partition: 1,
  offset: '7',
  key,
  value,
  headers,
});
const created = buildEvent(MEDIA_EVENT_TYPES.created, 11, { file: file(11), contentTypes: [] });
const applied = buildEvent(INDEX_EVENT_TYPES.applied, 11, {
  fileId: 11,
  model: 'resnet50',
  action: 'indexed',
  reason: null,
  causation: { id: created.id, type: created.type },
});

describe('events: options', () => {
  it('reads every topic, new messages only, by default', () => {
    expect(options([])).toEqual({ topics: ['media', 'index', 'dead-letters'], topicsNamed: false, types: [], files: [], fromBeginning: false, limit: undefined, exitAtEnd: false, group: undefined });
  });

  it('takes repeated options and comma lists alike, and expands * in types', () => {
    expect(options(['--type', 'image-search.media.created.v1', '--type', 'image-search.media.deleted.v1,image-search.index.*'])).toMatchObject({
      types: [MEDIA_EVENT_TYPES.created, MEDIA_EVENT_TYPES.deleted, INDEX_EVENT_TYPES.applied, INDEX_EVENT_TYPES.failed],
    });
    expect(options(['--file', '3', '--file', '4,5']).files).toEqual(['3', '4', '5']);
    expect(options(['--type', '*']).types).toHaveLength(11);
  });

  it('reads only the topics the asked types are published on: media events are also among the dead letters', () => {
    expect(options(['--type', 'image-search.media.*']).topics).toEqual(['media', 'dead-letters']);
    expect(options(['--type', DECISION_EVENT_TYPES.duplicatesResolved]).topics).toEqual(['index']);
    expect(options(['--type', 'image-search.media.*', '--topic', 'dead-letters']).topics).toEqual(['dead-letters']);
    expect(options(['--topic', 'index', '--topic', 'media'])).toMatchObject({ topics: ['index', 'media'], topicsNamed: true });
  });

  it.each([
    [['--topic', 'orders'], 'events: --topic must be media, index, dead-letters or all, not "orders"'],
    [['--type', 'image-search.media.moved.v1'], expect.stringMatching(/^events: --type image-search\.media\.moved\.v1 matches no event type \(image-search\.media\.created\.v1, /)],
    [['--type', 'image-search.index.*', '--topic', 'media'], 'events: no event of those types is published on media'],
    [['--file', 'abc'], 'events: --file takes file ids (numbers), not "abc"'],
    [['--limit', '0'], 'events: --limit must be a whole number of at least 1, not "0"'],
    [['--group', 'indexer', '--from-beginning'], 'events: --group reports lag and exits; it does not take --from-beginning'],
  ])('refuses %j', (argv, reason) => {
    expect(refusal(argv)).toEqual(reason);
  });
});

describe('events: lines', () => {
  it('prints a valid event with where it was read', () => {
    const { key, value } = toKafkaMessage(created);
    expect(toEventLine('media', message('media-topic', value, key))).toEqual({ topic: 'media-topic', partition: 1, offset: 7, key: '11', event: created });
    expect(toEventLine('index', message('index-topic', toKafkaMessage(applied).value, '11'))).toMatchObject({ event: applied });
  });

  it('turns what is no valid event into an error line that still shows the message', () => {
    expect(toEventLine('media', message('media-topic', 'not json{', '11'))).toEqual({ topic: 'media-topic', partition: 1, offset: 7, key: '11', error: 'not JSON', value: 'not json{' });
    expect(toEventLine('media', message('media-topic', null, null))).toMatchObject({ error: 'empty message', value: null });
    // An index event is not a media event: each topic is read with its own schema.
    expect(toEventLine('media', message('media-topic', toKafkaMessage(applied).value, '11'))).toMatchObject({ error: expect.stringMatching(/^not a known event/) });
    const huge = toEventLine('media', message('media-topic', 'x'.repeat(5000), '11'));
    expect('value' in huge && huge.value).toHaveLength(1001);
  });

  it('adds why a dead letter was given up on, from its headers', () => {
    const original = { ...message('media-topic', toKafkaMessage(created).value, '11'), headers: toKafkaMessage(created).headers };
    const dead = toDeadLetter(original, 'cannot decode the image');
    const line = toEventLine('dead-letters', message('dlq-topic', dead.value, dead.key, dead.headers!));
    expect(line).toMatchObject({
      event: created,
      deadLetter: { error: 'cannot decode the image', attempts: 1, failedAt: dead.headers![DEAD_LETTER_HEADERS.failedAt], source: 'media-topic/1/7' },
    });
  });

  it('keeps the events of the asked types and files; a malformed message only --file can rule out', () => {
    const lines: EventLine[] = [
      toEventLine('media', message('m', toKafkaMessage(created).value, '11')),
      toEventLine('index', message('i', toKafkaMessage(applied).value, '11')),
      toEventLine('media', message('m', toKafkaMessage(buildEvent(MEDIA_EVENT_TYPES.deleted, 12, { file: file(12), contentTypes: [] })).value, '12')),
      toEventLine('media', message('m', 'garbage', '11')),
    ];
    const kept = (types: string[], files: string[]) =>
      lines.filter((line) => isShown(line, options([...types.flatMap((t) => ['--type', t]), ...files.flatMap((f) => ['--file', f])]))).map((line) => ('event' in line ? line.event.type : 'error'));
    expect(kept([], [])).toEqual([MEDIA_EVENT_TYPES.created, INDEX_EVENT_TYPES.applied, MEDIA_EVENT_TYPES.deleted, 'error']);
    expect(kept(['image-search.media.*'], [])).toEqual([MEDIA_EVENT_TYPES.created, MEDIA_EVENT_TYPES.deleted, 'error']);
    expect(kept([], ['11'])).toEqual([MEDIA_EVENT_TYPES.created, INDEX_EVENT_TYPES.applied, 'error']);
    expect(kept([], ['12'])).toEqual([MEDIA_EVENT_TYPES.deleted]);
    expect(kept([INDEX_EVENT_TYPES.applied], ['12'])).toEqual([]);
  });
});
