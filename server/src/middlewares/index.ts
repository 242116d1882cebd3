import unavailableAs503 from './unavailable-as-503';

export default { 'unavailable-as-503': unavailableAs503 };
