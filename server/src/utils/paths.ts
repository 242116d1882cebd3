import fs from 'node:fs';
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
export const MODELS_DIR = path.join(PACKAGE_ROOT, 'models');
