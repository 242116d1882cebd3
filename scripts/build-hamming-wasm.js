#!/usr/bin/env node
// Compiles server/src/verification/hamming.wat into hamming-wasm.ts (the module's bytes, base64), so that the
// plugin ships no build step of its own for it. Run after editing the .wat; a unit test checks the two agree.
const fs = require('node:fs');
const path = require('node:path');

const source = path.join(__dirname, '../server/src/verification/hamming.wat');
const target = path.join(__dirname, '../server/src/verification/hamming-wasm.ts');

async function compile() {
  const wabt = await require('wabt')();
  const module = wabt.parseWat(path.basename(source), fs.readFileSync(source, 'utf8'));
  try {
    return Buffer.from(module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
}

module.exports = { compile };

if (require.main === module) {
  compile().then((bytes) => {
    fs.writeFileSync(
      target,
      `// Generated from hamming.wat by scripts/build-hamming-wasm.js: do not edit.\nexport const HAMMING_WASM = '${bytes.toString('base64')}';\n`,
    );
    console.log(`${path.relative(process.cwd(), target)}: ${bytes.length} bytes of WebAssembly`);
  });
}
