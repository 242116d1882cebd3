import duplicates from './duplicates';
import reconcile from './reconcile';
import search from './search';
import status from './status';

export default { duplicates, reconcile, search, status };
