import { spawn } from 'node:child_process';
import path from 'node:path';
import { PACKAGE_ROOT } from '../utils/paths';

/**
 * `strapi-image-search services`: the repository's own provisioning (scripts/services.sh), shipped with the
 * package, so an app can run Kafka and Milvus for development without a clone. Its output is the scripts'.
 */
export function runServices(action: string, fresh: boolean): Promise<number> {
  const script = path.join(PACKAGE_ROOT, 'scripts', 'services.sh');
  return new Promise((resolve, reject) => {
    spawn('bash', [script, action, ...(fresh ? ['--fresh'] : [])], { stdio: 'inherit' })
      .on('error', reject)
      .on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
