import { parseConfig } from './schema';

export default {
  // Required connection settings have no defaults: the app's config/plugins must provide them.
  default: {},
  validator: (config: unknown) => {
    parseConfig(config);
  },
};
