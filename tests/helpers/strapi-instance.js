// A playground Strapi in a process of its own, as production runs it (outside Jest), for tests that run several
// instances on one database or measure the server from outside. The parent passes the environment; the child
// reports its port (and, with TEST_CREATE_TOKEN, a full-access API token; with TEST_ADMIN_EMAIL and
// TEST_ADMIN_PASSWORD it creates that super admin), and stops cleanly when told to, or when the parent goes away.
// Asked 'loop-delay', it answers the longest event-loop delay since the last ask, in ms.
const path = require('node:path');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const { createStrapi } = require('@strapi/strapi');

const appDir = path.join(__dirname, '../../playground');

(async () => {
  const strapi = await createStrapi({ appDir, distDir: appDir, autoReload: false, serveAdminPanel: false }).load();
  await strapi.server.mount();
  await new Promise((resolve) => strapi.server.httpServer.listen(0, '127.0.0.1', resolve));
  // Strapi creates the "API Uploads" folder on the first API upload; concurrent first uploads race to create it.
  await strapi.plugin('upload').service('api-upload-folder').getAPIUploadFolder();
  const { TEST_ADMIN_EMAIL: email, TEST_ADMIN_PASSWORD: password } = process.env;
  if (email && !(await strapi.db.query('admin::user').findOne({ where: { email } }))) {
    const superAdmin = await strapi.service('admin::role').getSuperAdmin();
    await strapi.service('admin::user').create({ email, password, firstname: 'Test', lastname: 'Admin', isActive: true, roles: [superAdmin.id] });
  }
  const token = process.env.TEST_CREATE_TOKEN
    ? (await strapi.service('admin::api-token').create({ name: `instance-${process.pid}`, type: 'full-access', lifespan: null, description: '' })).accessKey
    : undefined;
  const stop = async () => {
    await strapi.destroy();
    process.exit(0);
  };
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  process.on('message', (message) => {
    if (message !== 'loop-delay') return void stop();
    process.send({ loopDelayMs: loopDelay.max / 1e6 });
    loopDelay.reset();
  });
  process.once('disconnect', stop);
  process.send({ port: strapi.server.httpServer.address().port, token });
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
