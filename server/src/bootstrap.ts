import type { Core } from '@strapi/strapi';
import { ADMIN_ACTIONS, PLUGIN_ID } from './contracts/permissions';
import { getService } from './utils/get-service';

export default async ({ strapi }: { strapi: Core.Strapi }) => {
  await strapi.admin.services.permission.actionProvider.registerMany([
    { section: 'plugins', displayName: 'Search similar media', uid: ADMIN_ACTIONS.read, pluginName: PLUGIN_ID },
  ]);
  await getService(strapi, 'pipeline').start();
};
