import type { Core } from '@strapi/strapi';
import duplicateScan from './duplicate-scan';
import duplicates from './duplicates';
import rebuild from './rebuild';
import reconcile from './reconcile';
import { createRuntime } from '../runtime/runtime';
import search from './search';
import status from './status';

/** The runtime comes first: it is built once, and every other service takes what it uses from it. */
const services = { runtime: ({ strapi }: { strapi: Core.Strapi }) => createRuntime(strapi), duplicates, duplicateScan, rebuild, reconcile, search, status };

export type Services = { [K in keyof typeof services]: ReturnType<(typeof services)[K]> };

export default services;
