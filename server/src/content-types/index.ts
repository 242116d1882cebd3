import indexStateSchema from './index-state/schema.json';
import outboxEventSchema from './outbox-event/schema.json';

export const OUTBOX_UID = 'plugin::image-search.outbox-event';
export const INDEX_STATE_UID = 'plugin::image-search.index-state';

export default {
  'outbox-event': { schema: outboxEventSchema },
  'index-state': { schema: indexStateSchema },
};
