import adminDuplicates from './admin/duplicates';
import adminMaintenance from './admin/maintenance';
import adminSearch from './admin/search';
import adminStatus from './admin/status';
import contentApiSearch from './content-api/search';
import { CONTENT_API_CONTROLLER } from '../contracts/routes';

/** One controller per surface and job, as Strapi's Upload plugin has them; routes/ names them. */
export default {
  'admin-search': adminSearch,
  'admin-duplicates': adminDuplicates,
  'admin-status': adminStatus,
  'admin-maintenance': adminMaintenance,
  // Named in the permissions sites grant: see CONTENT_API_CONTROLLER.
  [CONTENT_API_CONTROLLER]: contentApiSearch,
};
