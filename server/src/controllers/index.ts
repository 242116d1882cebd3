import duplicates from './duplicates';
import reindex from './reindex';
import search from './search';
import status from './status';

export default { duplicates, reindex, search, status };
