// Strapi loads the compiled dist/strapi-server.js (a .ts entry would load silently empty).
import plugin from './server/src';

export = plugin;
