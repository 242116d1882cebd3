import duplicates from './duplicates';
import search from './search';
import status from './status';

export default { duplicates, search, status };
