import type { Core } from '@strapi/strapi';
import { adminAudience } from '../context';
import { searchHandlers } from '../search-handlers';

export default ({ strapi }: { strapi: Core.Strapi }) => searchHandlers(strapi, adminAudience);
