import type { Core } from '@strapi/strapi';
import { ACTION_LABELS, ADMIN_ACTIONS, PLUGIN_ID, type AdminAction } from './contracts/permissions';
import { runtimeOf } from './runtime/runtime';
import { getService } from './utils/get-service';

export default async ({ strapi }: { strapi: Core.Strapi }) => {
  await strapi.admin.services.permission.actionProvider.registerMany(
    (Object.keys(ADMIN_ACTIONS) as AdminAction[]).map((action) => ({
      section: 'plugins',
      displayName: ACTION_LABELS[action],
      uid: ADMIN_ACTIONS[action],
      pluginName: PLUGIN_ID,
    }))
  );
  await runtimeOf(strapi).start();
  getService(strapi, 'reconcile').startSchedule();
  getService(strapi, 'rebuild').watch();
  getService(strapi, 'duplicateScan').watch();
};
