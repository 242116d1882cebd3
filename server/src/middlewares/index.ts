import { PLUGIN_ID } from '../contracts/permissions';
import unavailableAs503 from './unavailable-as-503';

export default { 'unavailable-as-503': unavailableAs503 };

/** How routes name it. */
export const UNAVAILABLE_AS_503 = `plugin::${PLUGIN_ID}.unavailable-as-503`;
