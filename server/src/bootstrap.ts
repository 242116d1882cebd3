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
  const runtime = runtimeOf(strapi);
  await runtime.capture();
  whenServing(strapi, () => {
    runtime.start();
    getService(strapi, 'reconcile').startSchedule();
    getService(strapi, 'rebuild').watch();
    getService(strapi, 'rebuild').watchLibrary();
    getService(strapi, 'duplicateScan').watch();
  });
};

/**
 * Strapi's CLI commands (admin:create-user, console, …) load the app without serving it, then exit at once: the
 * background work (Kafka clients, the model's process, schedules) starts only once the HTTP server listens, before
 * it answers a request. Changes made by such a command wait in the outbox for a serving instance.
 */
function whenServing(strapi: Core.Strapi, start: () => void): void {
  const server = strapi.server.httpServer;
  if (server.listening) start();
  else server.once('listening', start);
}
