import { useFetchClient } from '@strapi/strapi/admin';
import type { IndexStatusResponse } from '../../../server/src/contracts/http';
import { PLUGIN_ID } from '../../../server/src/contracts/permissions';

/** The one client the admin uses to call the plugin's admin routes, typed by the shared contracts. */
export function useImageSearchApi() {
  const { get } = useFetchClient();
  return {
    getStatus: async () => (await get<IndexStatusResponse>(`/${PLUGIN_ID}/status`)).data.data,
  };
}
