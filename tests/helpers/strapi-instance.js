// A playground Strapi in a process of its own, for tests that run several instances on one database. The parent
// passes the environment; the child reports its port (and, with TEST_CREATE_TOKEN, a full-access API token), and
// stops cleanly when told to, or when the parent goes away.
const path = require('node:path');
const { createStrapi } = require('@strapi/strapi');

const appDir = path.join(__dirname, '../../playground');

(async () => {
  const strapi = await createStrapi({ appDir, distDir: appDir, autoReload: false, serveAdminPanel: false }).load();
  await strapi.server.mount();
  await new Promise((resolve) => strapi.server.httpServer.listen(0, '127.0.0.1', resolve));
  // Strapi creates the "API Uploads" folder on the first API upload; concurrent first uploads race to create it.
  await strapi.plugin('upload').service('api-upload-folder').getAPIUploadFolder();
  const token = process.env.TEST_CREATE_TOKEN
    ? (await strapi.service('admin::api-token').create({ name: `instance-${process.pid}`, type: 'full-access', lifespan: null, description: '' })).accessKey
    : undefined;
  const stop = async () => {
    await strapi.destroy();
    process.exit(0);
  };
  process.once('message', stop);
  process.once('disconnect', stop);
  process.send({ port: strapi.server.httpServer.address().port, token });
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
