import type { Core } from '@strapi/strapi';
import { PLUGIN_ID } from '../contracts/permissions';
import type { Services } from '../services';

export const getService = <K extends keyof Services>(strapi: Core.Strapi, name: K): Services[K] =>
  strapi.plugin(PLUGIN_ID).service(name) as Services[K];
