// Seeds the demo Strapi through its HTTP API: a super admin, the sample photos plus a near-duplicate, an article
// and a page that use some of them, and an API token for the content API. Then waits until all are indexed.
// Idempotent: what already exists is kept. Usage: node scripts/seed-demo.js BASE_URL PHOTOS_DIR WORK_DIR
const fs = require('node:fs');
const path = require('node:path');
const sharp = require('sharp');

const [base, photosDir, workDir] = process.argv.slice(2);
const ADMIN = { email: 'admin@example.com', password: 'Image-search-demo-1', firstname: 'Demo', lastname: 'Admin' };
const TOKEN_NAME = 'image-search demo';
// Search, and what a site needs to see the results: the media library and the entries that use it.
const TOKEN_ACTIONS = [
  'plugin::image-search.search.similarToFile',
  'plugin::image-search.search.similarToImage',
  'plugin::upload.content-api.find',
  'api::article.article.find',
  'api::page.page.find',
];

async function call(method, route, { jwt, json, form } = {}) {
  const headers = jwt ? { Authorization: `Bearer ${jwt}` } : {};
  if (json) headers['Content-Type'] = 'application/json';
  const res = await fetch(new URL(route, base), { method, headers, body: json ? JSON.stringify(json) : form });
  const body = await res.json().catch(() => null);
  return { status: res.status, body };
}

async function must(method, route, options) {
  const res = await call(method, route, options);
  if (res.status >= 300) throw new Error(`${method} ${route} answered ${res.status}: ${JSON.stringify(res.body?.error ?? res.body)}`);
  return res.body;
}

async function adminJwt() {
  const registered = await call('POST', '/admin/register-admin', { json: ADMIN });
  if (registered.status === 200 || registered.status === 201) return registered.body.data.token;
  return (await must('POST', '/admin/login', { json: { email: ADMIN.email, password: ADMIN.password } })).data.token;
}

/** The demo library: every sample photo, plus a downscaled, re-encoded copy of the first as a near-duplicate. */
async function demoFiles() {
  const photos = fs.readdirSync(photosDir).filter((name) => /\.(jpe?g|png)$/i.test(name)).sort();
  const copy = path.join(workDir, 'astronaut-copy.jpg');
  if (!fs.existsSync(copy)) {
    fs.mkdirSync(workDir, { recursive: true });
    await sharp(path.join(photosDir, 'skimage-astronaut.png')).resize(320).jpeg({ quality: 60 }).toFile(copy);
  }
  return [...photos.map((name) => path.join(photosDir, name)), copy];
}

async function uploadMissing(jwt) {
  const existing = (await must('GET', '/upload/files?pageSize=100', { jwt })).results;
  const byName = new Map(existing.map((file) => [file.name, file]));
  for (const file of await demoFiles()) {
    const name = path.basename(file);
    if (byName.has(name)) continue;
    const form = new FormData();
    form.append('files', new Blob([fs.readFileSync(file)]), name);
    const [uploaded] = await must('POST', '/upload', { jwt, form });
    byName.set(name, uploaded);
    console.log(`  uploaded ${name} (file ${uploaded.id})`);
  }
  return byName;
}

async function ensureEntry(jwt, uid, data) {
  const route = `/content-manager/collection-types/${uid}`;
  const found = await must('GET', `${route}?filters[title][$eq]=${encodeURIComponent(data.title)}`, { jwt });
  if (found.results.length > 0) return;
  await must('POST', route, { jwt, json: data });
  console.log(`  created ${uid} "${data.title}"`);
}

async function apiToken(jwt) {
  const tokens = (await must('GET', '/admin/api-tokens', { jwt })).data;
  const existing = tokens.find((token) => token.name === TOKEN_NAME);
  if (existing) {
    await must('PUT', `/admin/api-tokens/${existing.id}`, { jwt, json: { permissions: TOKEN_ACTIONS } });
    return (await must('POST', `/admin/api-tokens/${existing.id}/regenerate`, { jwt })).data.accessKey;
  }
  const created = await must('POST', '/admin/api-tokens', {
    jwt,
    json: { name: TOKEN_NAME, description: 'Content-API search for the demo', type: 'custom', lifespan: null, permissions: TOKEN_ACTIONS },
  });
  return created.data.accessKey;
}

/** Milvus may still be recovering its data just after a restart: the plugin answers 503 until it is back. */
async function retryWhileUnavailable(call) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt === 10 || !/answered 503/.test(error.message)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  }
}

/** Waits until no image is on its way: each is indexed, or failed (reported with its reason, and left failed). */
async function waitUntilIndexed(jwt) {
  const deadline = Date.now() + 10 * 60_000;
  let last = '';
  while (Date.now() < deadline) {
    const { status, body } = await call('GET', '/image-search/status', { jwt });
    if (status === 200 && body.data.index.reachable) {
      const { library, index, failures } = body.data;
      const line = `  indexed ${index.files} of ${library.images} images${failures.count ? `, ${failures.count} could not be indexed` : ''}`;
      if (line !== last) console.log((last = line));
      if (index.pending === 0) {
        for (const failure of failures.recent) console.log(`  not indexed: ${failure.name ?? `file ${failure.fileId}`}: ${failure.reason}`);
        return;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error('the sample photos were not all indexed or failed within 10 minutes; see the Strapi log');
}

async function main() {
  const jwt = await adminJwt();
  const files = await uploadMissing(jwt);
  const id = (name) => files.get(name).id;
  await ensureEntry(jwt, 'api::article.article', {
    title: 'A cat and a coffee',
    cover: id('skimage-chelsea.png'),
    gallery: [id('skimage-coffee.png'), id('skimage-astronaut.png')],
  });
  await ensureEntry(jwt, 'api::page.page', { title: 'Launch day', hero: id('skimage-rocket.jpg') });
  const token = await apiToken(jwt);
  // Photos of an earlier demo run, indexed by another model or never, are queued again; indexed ones are left alone.
  const { queued } = (await retryWhileUnavailable(() => must('POST', '/image-search/reconcile', { jwt }))).data;
  if (queued > 0) console.log(`  queued ${queued} photos the index lacks`);
  await waitUntilIndexed(jwt);
  const copy = id('astronaut-copy.jpg');
  console.log(`
Ready to search.
  Admin panel     ${new URL('/admin', base)}
                  ${ADMIN.email} / ${ADMIN.password}
  Image search    ${new URL('/admin/plugins/image-search', base)}
  API token       ${token}   (content API: search, list the media library, read articles and pages)

  Files similar to the near-duplicate (file ${copy}); its original, file ${id('skimage-astronaut.png')}, comes first:
    curl -s -H "Authorization: Bearer ${token}" "${new URL(`/api/image-search/files/${copy}/similar?pageSize=5`, base)}"
  Only among files used by articles:
    curl -s -H "Authorization: Bearer ${token}" "${new URL(`/api/image-search/files/${copy}/similar?contentType=api::article.article`, base)}"
`);
}

main().catch((error) => {
  console.error(`seeding the demo failed: ${error.message}`);
  process.exit(1);
});
