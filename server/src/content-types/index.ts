import duplicatePairSchema from './duplicate-pair/schema.json';
import duplicateScanSchema from './duplicate-scan/schema.json';
import indexStateSchema from './index-state/schema.json';
import leaseSchema from './lease/schema.json';
import notDuplicateSchema from './not-duplicate/schema.json';
import outboxEventSchema from './outbox-event/schema.json';
import spaceFitSchema from './space-fit/schema.json';

export const OUTBOX_UID = 'plugin::image-search.outbox-event';
export const INDEX_STATE_UID = 'plugin::image-search.index-state';
export const NOT_DUPLICATE_UID = 'plugin::image-search.not-duplicate';
export const LEASE_UID = 'plugin::image-search.lease';
export const DUPLICATE_PAIR_UID = 'plugin::image-search.duplicate-pair';
export const DUPLICATE_SCAN_UID = 'plugin::image-search.duplicate-scan';
export const SPACE_FIT_UID = 'plugin::image-search.space-fit';

export default {
  'outbox-event': { schema: outboxEventSchema },
  'index-state': { schema: indexStateSchema },
  'not-duplicate': { schema: notDuplicateSchema },
  lease: { schema: leaseSchema },
  'duplicate-pair': { schema: duplicatePairSchema },
  'duplicate-scan': { schema: duplicateScanSchema },
  'space-fit': { schema: spaceFitSchema },
};
