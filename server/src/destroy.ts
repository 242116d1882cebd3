import type { Core } from '@strapi/strapi';
import { runtimeOf } from './runtime/runtime';
import { getService } from './utils/get-service';

/** Stops the reconciliation schedule, unsubscribes the listeners, lets in-flight work finish, and disconnects from Kafka and Milvus. */
export default async ({ strapi }: { strapi: Core.Strapi }) => {
  getService(strapi, 'reconcile').stopSchedule();
  getService(strapi, 'rebuild').stopWatching();
  getService(strapi, 'duplicateScan').stopWatching();
  await runtimeOf(strapi).stop();
};
