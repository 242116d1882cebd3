// Regenerates server/src/contracts/schemas/*.json (the published event contract) from the zod schemas.
// Run after `npm run build`; a unit test fails while the committed files differ from the code.
const fs = require('node:fs');
const path = require('node:path');
const { eventJsonSchemas } = require('../dist/server/src/contracts/events');

const dir = path.join(__dirname, '..', 'server', 'src', 'contracts', 'schemas');
fs.mkdirSync(dir, { recursive: true });
for (const [type, schema] of Object.entries(eventJsonSchemas())) {
  fs.writeFileSync(path.join(dir, `${type}.json`), `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote ${type}.json`);
}
