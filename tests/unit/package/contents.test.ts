import { execFileSync } from 'node:child_process';
import { PACKAGE_ROOT } from '../../../server/src/utils/paths';

/** What `npm pack` would publish: the plugin and what installs it, never tests, benchmarks or their configs. */
const SHIPPED = [
  /^dist\/(server\/src\/|strapi-server\.)/,
  /^admin\/src\//,
  /^server\/src\/contracts\//,
  /^scripts\/(lib|setup-tfjs|fetch-model|services)\.sh$/,
  /^scripts\/services\/(kafka\.sh|milvus\.sh|milvus-ready\.js|milvus_launcher\.py)$/,
  /^(strapi-server\.ts|README\.md|package\.json)$/,
];

describe('the published package', () => {
  it('holds only what the plugin needs', () => {
    const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: PACKAGE_ROOT, encoding: 'utf8' })) as Array<{
      files: Array<{ path: string }>;
    }>;
    const paths = pack.files.map((file) => file.path);
    expect(paths.filter((file) => !SHIPPED.some((pattern) => pattern.test(file)))).toEqual([]);
    expect(paths).toEqual(expect.arrayContaining(['dist/strapi-server.js', 'dist/server/src/cli/main.js', 'package.json']));
  });
});
