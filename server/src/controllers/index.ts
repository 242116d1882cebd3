import search from './search';
import status from './status';

export default { search, status };
