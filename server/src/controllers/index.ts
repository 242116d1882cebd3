import duplicates from './duplicates';
import rebuild from './rebuild';
import reconcile from './reconcile';
import search from './search';
import status from './status';

export default { duplicates, rebuild, reconcile, search, status };
