// Seeds the demo Strapi through its HTTP API: a super admin, a library of real photos with edited copies of some
// and sets of similar but different shots (the duplicates page's work), an article and a page that use some of them,
// and an API token for the content API. Then waits until all are indexed, the index has learned its whitening from
// the library, and the duplicate graph is built. Idempotent: what already exists is kept.
// Usage: node scripts/seed-demo.js BASE_URL PHOTOS_DIR LIBRARY_DIR SIMILAR_SHOTS_DIR WORK_DIR
// (the edits are the quality benchmark's, compiled to dist-bench/bench/variants.js)
const fs = require('node:fs');
const path = require('node:path');
const sharp = require('sharp');

const { makeVariant, VARIANTS } = require('../dist-bench/bench/variants');

const [base, photosDir, libraryDir, similarDir, workDir] = process.argv.slice(2);
/** Photos of the library given one edited copy each, the edits taken in turn; and photos given a burst of four. */
const SINGLE_COPIES = 24;
const BURSTS = 3;
const BURST_EDITS = ['downscale', 'jpeg-q20', 'text-overlay', 'flip'];
const UPLOADS_AT_ONCE = 3;
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

const photosIn = (dir) =>
  fs
    .readdirSync(dir)
    .filter((name) => /\.(jpe?g|png)$/i.test(name))
    .sort()
    .map((name) => path.join(dir, name));

/** Writes the edited copy once; returns its path. */
async function editedCopy(photo, edit) {
  const file = path.join(workDir, `copy-${edit}-${path.basename(photo).replace(/\.\w+$/, '')}.jpg`);
  if (!fs.existsSync(file)) fs.writeFileSync(file, await makeVariant(fs.readFileSync(photo), edit));
  return file;
}

/**
 * The demo library: the sample photos, the library photos, similar but different shots of a few scenes (frames of a
 * video, a stereo pair, overlapping aerial views: never grouped), a downscaled copy of the astronaut, one edited
 * copy (crop, flip, screenshot framing, re-encode, overlay...) of SINGLE_COPIES library photos, and bursts of four
 * copies of BURSTS more, for groups larger than a pair.
 */
async function demoFiles() {
  fs.mkdirSync(workDir, { recursive: true });
  const astronaut = path.join(workDir, 'astronaut-copy.jpg');
  if (!fs.existsSync(astronaut)) await sharp(path.join(photosDir, 'skimage-astronaut.png')).resize(320).jpeg({ quality: 60 }).toFile(astronaut);
  const library = photosIn(libraryDir);
  const edits = Object.keys(VARIANTS);
  const copies = [];
  // Spread over the library, so the copies are of different kinds of photo.
  const spread = (i, count) => library[Math.floor((i * library.length) / count)];
  for (let i = 0; i < SINGLE_COPIES; i++) copies.push(await editedCopy(spread(i, SINGLE_COPIES + BURSTS), edits[i % edits.length]));
  for (let i = SINGLE_COPIES; i < SINGLE_COPIES + BURSTS; i++) for (const edit of BURST_EDITS) copies.push(await editedCopy(spread(i, SINGLE_COPIES + BURSTS), edit));
  return [...photosIn(photosDir), ...library, ...photosIn(similarDir), astronaut, ...copies];
}

/** Every file of the media library, by name. */
async function libraryByName(jwt) {
  const byName = new Map();
  for (let page = 1; ; page++) {
    const { results, pagination } = await must('GET', `/upload/files?pageSize=100&page=${page}`, { jwt });
    for (const file of results) byName.set(file.name, file);
    if (page >= pagination.pageCount) return byName;
  }
}

async function uploadMissing(jwt) {
  const byName = await libraryByName(jwt);
  const missing = (await demoFiles()).filter((file) => !byName.has(path.basename(file)));
  if (missing.length > 0) console.log(`  uploading ${missing.length} photos`);
  let next = 0;
  const lane = async () => {
    while (next < missing.length) {
      const file = missing[next++];
      const form = new FormData();
      form.append('files', new Blob([fs.readFileSync(file)]), path.basename(file));
      const [uploaded] = await must('POST', '/upload', { jwt, form });
      byName.set(uploaded.name, uploaded);
      if (byName.size % 25 === 0) console.log(`  ${byName.size} files in the library`);
    }
  };
  await Promise.all(Array.from({ length: UPLOADS_AT_ONCE }, lane));
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

/** Status lines that change, each printed once. */
function reporter() {
  let last = '';
  return (line) => line !== last && console.log((last = line));
}

async function status(jwt) {
  const { status: code, body } = await call('GET', '/image-search/status', { jwt });
  return code === 200 ? body.data : null;
}

/**
 * The index learns its whitening from the whole library (demo.sh turns off learning by itself, which would learn
 * from the first 100 images): a rebuild here, whose progress shows, unless the index has learned already.
 */
async function learnWhitening(jwt) {
  const current = await status(jwt);
  if (!current?.index.reachable || current.index.space.learnedFrom !== null) return;
  if (!current.rebuild.active) {
    const { learning } = (await retryWhileUnavailable(() => must('POST', '/image-search/rebuild', { jwt }))).data;
    if (!learning) return;
  }
  const report = reporter();
  for (const deadline = Date.now() + 15 * 60_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 2000))) {
    const { rebuild, index } = (await status(jwt)) ?? {};
    if (rebuild && !rebuild.active) return report(`  the index learned its whitening: ${index.space.dim} dimensions, duplicates from a similarity of ${index.space.thresholds.duplicate}`);
    if (rebuild?.learning) report(`  learning the whitening: ${rebuild.learning.done} of ${rebuild.learning.total} images edited and embedded`);
    else if (rebuild) report(`  rebuilding the index in the learned space: ${rebuild.vectors} vectors`);
  }
  throw new Error('the index did not learn its whitening within 15 minutes; see the Strapi log');
}

/** Waits for the duplicate graph: Strapi scans by itself after the index changed space; this starts it at once. */
async function waitForDuplicates(jwt) {
  if ((await status(jwt))?.duplicateScan.state !== 'complete') await call('POST', '/image-search/duplicates/scan', { jwt, json: {} });
  for (const deadline = Date.now() + 10 * 60_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 1000))) {
    if ((await status(jwt))?.duplicateScan.state === 'complete') return;
  }
  throw new Error('the duplicate scan did not complete within 10 minutes; see the Strapi log');
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
  await learnWhitening(jwt);
  await waitForDuplicates(jwt);
  const groups = (await must('GET', '/image-search/duplicates?pageSize=1', { jwt })).meta.pagination.total;
  const copy = id('astronaut-copy.jpg');
  console.log(`
Ready to search.
  Admin panel     ${new URL('/admin', base)}
                  ${ADMIN.email} / ${ADMIN.password}
  Image search    ${new URL('/admin/plugins/image-search', base)}
  Duplicates      ${groups} groups to review: ${new URL('/admin/plugins/image-search/duplicates', base)}
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
