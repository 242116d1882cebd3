import { isDeepStrictEqual } from 'node:util';

/**
 * Whether an event's JSON Schema, as the code now makes it, still describes the version already published.
 * Consumers built against vN must read every event the code now writes, and the events already on the topic (kept,
 * re-driven, replayed) must still validate against the code. So within a version a field may be added as optional and
 * descriptions may change; removing, renaming, retyping or constraining a field differently needs a new version.
 */

export interface BreakingChange {
  /** Where, as a field path: data.file.width, data.duplicates[].kind, data.file.formats.* (any key), data.reason.anyOf[1]. */
  path: string;
  change: string;
}

/** A JSON Schema: an object, or true (anything) or false (nothing). */
type Schema = boolean | object;
type SchemaObject = { [keyword: string]: unknown };

/** Keywords that only explain: a change to them changes no event's validity. */
const ANNOTATIONS = new Set(['description', 'title', 'examples', '$comment', 'deprecated', 'readOnly', 'writeOnly', 'default']);
/** Keywords holding one schema, walked into so a change is reported at the field it is about. */
const SUBSCHEMAS: Record<string, (path: string) => string> = {
  items: (path) => `${path}[]`,
  additionalProperties: (path) => `${path}.*`,
  propertyNames: (path) => `${path}.(key)`,
};
/** Keywords holding a list of schemas, compared position by position. */
const SUBSCHEMA_LISTS = new Set(['anyOf', 'oneOf', 'allOf', 'prefixItems']);
/** Keywords whose value is a set: order means nothing. */
const SETS = new Set(['enum', 'type']);
/** Walked with their own rules below. */
const WALKED = new Set(['properties', 'required', '$defs']);

const isObject = (schema: unknown): schema is SchemaObject => typeof schema === 'object' && schema !== null && !Array.isArray(schema);
const show = (value: unknown) => JSON.stringify(value);
const field = (path: string, name: string) => (path ? `${path}.${name}` : name);
const requiredOf = (schema: SchemaObject) => new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
const propertiesOf = (schema: SchemaObject) => (isObject(schema.properties) ? schema.properties : {});

/** Every way `current` no longer describes the events `published` describes; empty when it still does. */
export function breakingChanges(published: Schema, current: Schema, path = ''): BreakingChange[] {
  if (!isObject(published) || !isObject(current)) {
    return isDeepStrictEqual(published, current) ? [] : [{ path, change: `was ${show(published)}, now ${show(current)}` }];
  }
  return [...fieldChanges(published, current, path), ...definitionChanges(published, current), ...keywordChanges(published, current, path)];
}

/** Fields: each published one must stay, as required as it was; a new one must be optional. */
function fieldChanges(published: SchemaObject, current: SchemaObject, path: string): BreakingChange[] {
  const [before, after] = [propertiesOf(published), propertiesOf(current)];
  const [requiredBefore, requiredAfter] = [requiredOf(published), requiredOf(current)];
  const changes = Object.entries(before).flatMap(([name, schema]) =>
    name in after ? breakingChanges(schema as Schema, after[name] as Schema, field(path, name)) : [{ path: field(path, name), change: 'removed (or renamed)' }]
  );
  for (const name of requiredAfter) {
    if (!requiredBefore.has(name)) changes.push({ path: field(path, name), change: name in before ? 'became required' : 'added as a required field (a new field must be optional)' });
  }
  for (const name of requiredBefore) {
    // A removed field is reported as removed already.
    if (!requiredAfter.has(name) && (name in after || !(name in before))) changes.push({ path: field(path, name), change: 'is no longer required' });
  }
  return changes;
}

/** Shared definitions: a published one must stay; a new one constrains nothing until a $ref (a keyword, compared) uses it. */
function definitionChanges(published: SchemaObject, current: SchemaObject): BreakingChange[] {
  const [before, after] = [published.$defs, current.$defs].map((defs) => (isObject(defs) ? defs : {}));
  return Object.entries(before).flatMap(([name, schema]) =>
    name in after ? breakingChanges(schema as Schema, after[name] as Schema, `$defs.${name}`) : [{ path: `$defs.${name}`, change: 'removed' }]
  );
}

/** Every other keyword is a value constraint (type, const, enum, format, pattern, bounds...): it must not change at all. */
function keywordChanges(published: SchemaObject, current: SchemaObject, path: string): BreakingChange[] {
  const changes: BreakingChange[] = [];
  for (const keyword of new Set([...Object.keys(published), ...Object.keys(current)])) {
    if (ANNOTATIONS.has(keyword) || WALKED.has(keyword)) continue;
    // Absent and true both allow any value.
    const absent = keyword in SUBSCHEMAS ? true : undefined;
    const [before, after] = [published[keyword] ?? absent, current[keyword] ?? absent];
    if (keyword in SUBSCHEMAS && isObject(before) && isObject(after)) {
      changes.push(...breakingChanges(before, after, SUBSCHEMAS[keyword](path)));
    } else if (SUBSCHEMA_LISTS.has(keyword) && Array.isArray(before) && Array.isArray(after)) {
      if (before.length !== after.length) changes.push({ path, change: `${keyword} has ${after.length} alternatives, was ${before.length}` });
      else before.forEach((schema, index) => changes.push(...breakingChanges(schema as Schema, after[index] as Schema, `${path}.${keyword}[${index}]`)));
    } else if (SETS.has(keyword) && before !== undefined && after !== undefined) {
      const [was, now] = [[before].flat(), [after].flat()];
      const lost = was.filter((value) => !now.some((other) => isDeepStrictEqual(value, other)));
      const gained = now.filter((value) => !was.some((other) => isDeepStrictEqual(value, other)));
      if (lost.length) changes.push({ path, change: `${keyword} no longer allows ${show(lost)}` });
      if (gained.length) changes.push({ path, change: `${keyword} now also allows ${show(gained)}` });
    } else if (before === undefined) {
      changes.push({ path, change: `${keyword} added: ${show(after)}` });
    } else if (after === undefined) {
      changes.push({ path, change: `${keyword} removed (was ${show(before)})` });
    } else if (!isDeepStrictEqual(before, after)) {
      changes.push({ path, change: `${keyword} changed from ${show(before)} to ${show(after)}` });
    }
  }
  return changes;
}

/** The type a breaking change must be published as: image-search.media.created.v1 -> image-search.media.created.v2. */
export function nextVersionOf(type: string): string {
  const match = /^(.*\.v)(\d+)$/.exec(type);
  return match ? `${match[1]}${Number(match[2]) + 1}` : `${type}.v2`;
}

/**
 * What stops a change to the published contract, one message per event type: `published` are the committed schema
 * files, `current` what the code makes, both by event type. A brand-new type is fine; a published one must stay
 * compatible, and stays until its file is deleted on purpose.
 */
export function contractViolations(published: Record<string, Schema>, current: Record<string, Schema>): Record<string, string> {
  const violations: Record<string, string> = {};
  for (const [type, schema] of Object.entries(published)) {
    if (!(type in current)) {
      violations[type] = `${type} is published but no longer in the code: a published version stays until it is retired deliberately: delete its file in the same change`;
      continue;
    }
    const changes = breakingChanges(schema, current[type]);
    if (changes.length) {
      const list = changes.map(({ path, change }) => `  - ${path || '(the event)'}: ${change}`).join('\n');
      violations[type] = `${type} is published and this change breaks it:\n${list}\npublish ${nextVersionOf(type)} instead`;
    }
  }
  return violations;
}
