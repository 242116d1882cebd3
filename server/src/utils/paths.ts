import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The plugin package root, found by walking up (the depth differs between dist/ and ts sources). */
function findPackageRoot(start: string): string {
  let dir = start;
  while (dir !== path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, 'utf8')).name === 'strapi-plugin-image-search') {
      return dir;
    }
    dir = path.dirname(dir);
  }
  throw new Error(`strapi-plugin-image-search: package root not found above ${start}`);
}

export const PACKAGE_ROOT = findPackageRoot(__dirname);
/** What the setup scripts keep outside node_modules, so a reinstall reuses it (scripts/lib.sh's CACHE_DIR). */
export const CACHE_DIR = process.env.IMAGE_SEARCH_CACHE || path.join(os.homedir(), '.cache', 'strapi-image-search');
export const MODELS_DIR = path.join(CACHE_DIR, 'models');
