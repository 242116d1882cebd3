import { PLUGIN_ID } from '../../../server/src/contracts/permissions';

export const prefixTranslations = (data: Record<string, string>) =>
  Object.fromEntries(Object.entries(data).map(([key, value]) => [`${PLUGIN_ID}.${key}`, value]));

export const trad = (id: string) => `${PLUGIN_ID}.${id}`;
