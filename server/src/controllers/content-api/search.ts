import type { Core } from '@strapi/strapi';
import { contentApiAudience } from '../context';
import { searchHandlers } from '../search-handlers';

export default ({ strapi }: { strapi: Core.Strapi }) => searchHandlers(strapi, contentApiAudience);
