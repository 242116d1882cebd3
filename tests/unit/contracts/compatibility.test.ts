import fs from 'node:fs';
import path from 'node:path';
import { breakingChanges, contractViolations, nextVersionOf } from '../../../server/src/contracts/compatibility';
import { eventJsonSchemas } from '../../../server/src/contracts/events';

const object = (properties: Record<string, object>, required = Object.keys(properties), extra: object = {}) => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
  ...extra,
});
const published = object({
  id: { type: 'integer', exclusiveMinimum: 0 },
  name: { type: 'string', minLength: 1, description: 'The name' },
  kind: { type: 'string', enum: ['a', 'b'] },
  tags: { type: 'array', items: { type: 'string', pattern: '^[a-z]+$' }, minItems: 1 },
  note: { anyOf: [{ type: 'string' }, { type: 'null' }] },
  sizes: { type: 'object', propertyNames: { type: 'string' }, additionalProperties: { type: 'number' } },
  file: object({ url: { type: 'string', format: 'uri' }, width: { type: 'integer' } }, ['url']),
});

/** `published`, changed by `edit` (a deep copy, edited in place). */
function changed(edit: (schema: any) => void) {
  const schema = structuredClone(published);
  edit(schema);
  return schema;
}

describe('breaking changes to a published event schema', () => {
  it.each([
    ['removing a field', (s: any) => delete s.properties.file.properties.width, [{ path: 'file.width', change: 'removed (or renamed)' }]],
    [
      'renaming a field',
      (s: any) => ((s.properties.label = s.properties.name), delete s.properties.name, (s.required = s.required.map((n: string) => (n === 'name' ? 'label' : n)))),
      [
        { path: 'name', change: 'removed (or renamed)' },
        { path: 'label', change: 'added as a required field (a new field must be optional)' },
      ],
    ],
    ['changing a type', (s: any) => (s.properties.id.type = 'string'), [{ path: 'id', change: 'type no longer allows ["integer"]' }, { path: 'id', change: 'type now also allows ["string"]' }]],
    ['making a field nullable', (s: any) => (s.properties.name = { anyOf: [{ type: 'string', minLength: 1 }, { type: 'null' }] }), expect.arrayContaining([{ path: 'name', change: 'type removed (was "string")' }, { path: 'name', change: expect.stringMatching(/^anyOf added/) }])],
    ['dropping an enum value', (s: any) => (s.properties.kind.enum = ['a']), [{ path: 'kind', change: 'enum no longer allows ["b"]' }]],
    ['adding an enum value', (s: any) => s.properties.kind.enum.push('c'), [{ path: 'kind', change: 'enum now also allows ["c"]' }]],
    ['changing a const', (s: any) => (s.properties.kind = { type: 'string', const: 'a' }), expect.arrayContaining([{ path: 'kind', change: 'const added: "a"' }, { path: 'kind', change: 'enum removed (was ["a","b"])' }])],
    ['changing a format', (s: any) => (s.properties.file.properties.url.format = 'uri-reference'), [{ path: 'file.url', change: 'format changed from "uri" to "uri-reference"' }]],
    ['adding a format', (s: any) => (s.properties.name.format = 'email'), [{ path: 'name', change: 'format added: "email"' }]],
    ['changing a pattern, in array items', (s: any) => (s.properties.tags.items.pattern = '^[a-z0-9]+$'), [{ path: 'tags[]', change: 'pattern changed from "^[a-z]+$" to "^[a-z0-9]+$"' }]],
    ['loosening a bound', (s: any) => delete s.properties.name.minLength, [{ path: 'name', change: 'minLength removed (was 1)' }]],
    ['tightening a bound', (s: any) => (s.properties.tags.maxItems = 16), [{ path: 'tags', change: 'maxItems added: 16' }]],
    ['changing a bound', (s: any) => (s.properties.id.exclusiveMinimum = 1), [{ path: 'id', change: 'exclusiveMinimum changed from 0 to 1' }]],
    ['making a field required', (s: any) => s.properties.file.required.push('width'), [{ path: 'file.width', change: 'became required' }]],
    ['making a field optional', (s: any) => (s.required = s.required.filter((n: string) => n !== 'note')), [{ path: 'note', change: 'is no longer required' }]],
    ['adding a required field', (s: any) => ((s.properties.file.properties.height = { type: 'integer' }), s.properties.file.required.push('height')), [{ path: 'file.height', change: 'added as a required field (a new field must be optional)' }]],
    ['changing an alternative', (s: any) => (s.properties.note.anyOf[0].maxLength = 80), [{ path: 'note.anyOf[0]', change: 'maxLength added: 80' }]],
    ['adding an alternative', (s: any) => s.properties.note.anyOf.push({ type: 'number' }), [{ path: 'note', change: 'anyOf has 3 alternatives, was 2' }]],
    ['allowing unknown fields', (s: any) => delete s.properties.file.additionalProperties, [{ path: 'file', change: 'additionalProperties changed from false to true' }]],
    ['changing the values of a record', (s: any) => (s.properties.sizes.additionalProperties.type = 'integer'), [{ path: 'sizes.*', change: 'type no longer allows ["number"]' }, { path: 'sizes.*', change: 'type now also allows ["integer"]' }]],
    ['changing the keys of a record', (s: any) => (s.properties.sizes.propertyNames.minLength = 1), [{ path: 'sizes.(key)', change: 'minLength added: 1' }]],
  ])('rejects %s', (_case, edit, expected) => {
    expect(breakingChanges(published, changed(edit))).toEqual(expected);
  });

  it('rejects removing a shared definition', () => {
    const withDefinition = { ...published, $defs: { File: { type: 'object' } } };
    expect(breakingChanges(withDefinition, published)).toEqual([{ path: '$defs.File', change: 'removed' }]);
  });

  it.each([
    ['adding an optional field', (s: any) => (s.properties.file.properties.alt = { type: 'string' })],
    ['adding an optional field at the top', (s: any) => (s.properties.caption = { anyOf: [{ type: 'string' }, { type: 'null' }] })],
    ['changing descriptions and titles', (s: any) => ((s.properties.name.description = 'What the file is called'), (s.title = 'A file'), (s.properties.id.description = 'new'))],
    ['reordering enum values, required names and fields', (s: any) => ((s.properties.kind.enum = ['b', 'a']), s.required.reverse(), (s.properties = Object.fromEntries(Object.entries(s.properties).reverse())))],
    ['nothing', () => undefined],
  ])('allows %s', (_case, edit) => {
    expect(breakingChanges(published, changed(edit))).toEqual([]);
  });
});

describe('the contract guard', () => {
  it('names the type, the field and the version to publish instead', () => {
    const violations = contractViolations({ 'image-search.media.created.v1': published }, { 'image-search.media.created.v1': changed((s) => (s.properties.file.properties.width.type = 'number')) });
    expect(violations['image-search.media.created.v1']).toMatch(/^image-search\.media\.created\.v1 .*\n {2}- file\.width: type .*\npublish image-search\.media\.created\.v2 instead$/s);
  });

  it('keeps a retired type until its file is deleted, and takes a brand-new type as it is', () => {
    expect(contractViolations({ 'x.gone.v1': published }, { 'x.new.v1': published })).toEqual({
      'x.gone.v1': expect.stringContaining('a published version stays until it is retired deliberately: delete its file in the same change'),
    });
  });

  it('counts versions on', () => {
    expect(nextVersionOf('image-search.media.created.v1')).toBe('image-search.media.created.v2');
    expect(nextVersionOf('image-search.index.applied.v9')).toBe('image-search.index.applied.v10');
  });
});

describe('published event versions', () => {
  const dir = path.join(__dirname, '../../../server/src/contracts/schemas');
  const committed = fs.readdirSync(dir).filter((file) => file.endsWith('.json'));
  const current = eventJsonSchemas();

  it.each(committed)('%s still describes what the code publishes', (file) => {
    const type = path.basename(file, '.json');
    expect(contractViolations({ [type]: JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) }, current)).toEqual({});
  });
});
