import { z } from 'zod';
import { buildMediaEvent, toMediaFile } from '../../../server/src/capture/event-builder';
import { MEDIA_EVENT_TYPES, mediaFileSchema, parseEvent, schemaUrn, UPCASTS, type Upcast } from '../../../server/src/contracts/events';

/**
 * After a v2 ships, v1 events are still in the topics (retention, replays, a consumer far behind). parseEvent upcasts
 * them in one place. No type has a v2 yet, so this test ships one: a created.v2 whose data renames contentTypes.
 */
const CREATED_V2 = 'image-search.media.created.v2' as const;
const createdV2 = z.object({
  type: z.literal(CREATED_V2),
  dataschema: z.literal(schemaUrn(CREATED_V2 as never)),
  subject: z.string(),
  data: z.object({ file: mediaFileSchema, usedByContentTypes: z.array(z.string()) }),
});
const upgrade: Record<string, Upcast> = {
  [MEDIA_EVENT_TYPES.created]: { to: CREATED_V2 as never, data: ({ contentTypes, ...rest }) => ({ ...rest, usedByContentTypes: contentTypes }) },
};

const v1 = buildMediaEvent(MEDIA_EVENT_TYPES.created, toMediaFile({ id: 3, documentId: 'd3', name: 'a.jpg', url: '/uploads/a.jpg', mime: 'image/jpeg' }), ['api::page.page']);

describe('upcasting old event versions', () => {
  it('reads a v1 message replayed after the upgrade as the v2 its consumers handle', () => {
    const parsed = parseEvent(createdV2, JSON.stringify(v1), upgrade);
    expect(parsed).toEqual({
      event: { type: CREATED_V2, dataschema: schemaUrn(CREATED_V2 as never), subject: '3', data: { file: v1.data.file, usedByContentTypes: ['api::page.page'] } },
    });
  });

  it('leaves current versions alone, and says why an old one it cannot map is invalid, without throwing', () => {
    const v2 = { ...v1, type: CREATED_V2, dataschema: schemaUrn(CREATED_V2 as never), data: { file: v1.data.file, usedByContentTypes: [] } };
    expect(parseEvent(createdV2, JSON.stringify(v2), upgrade)).toEqual({ event: { type: CREATED_V2, dataschema: v2.dataschema, subject: '3', data: v2.data } });
    const broken = { [MEDIA_EVENT_TYPES.created]: { to: CREATED_V2 as never, data: () => { throw new Error('no'); } } };
    expect(parseEvent(createdV2, JSON.stringify(v1), broken)).toEqual({ invalid: 'an older version that cannot be upcast' });
  });

  it('has nothing to upcast while every published type is at v1', () => {
    expect(UPCASTS).toEqual({});
  });
});
