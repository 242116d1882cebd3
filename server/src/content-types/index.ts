import outboxEventSchema from './outbox-event/schema.json';

export const OUTBOX_UID = 'plugin::image-search.outbox-event';

export default {
  'outbox-event': { schema: outboxEventSchema },
};
