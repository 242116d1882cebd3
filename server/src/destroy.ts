import type { Core } from '@strapi/strapi';
import { getService } from './utils/get-service';

/** Unsubscribes the listeners, lets in-flight work finish, and disconnects from Kafka and Milvus. */
export default async ({ strapi }: { strapi: Core.Strapi }) => {
  await getService(strapi, 'pipeline').stop();
};
