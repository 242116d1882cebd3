#!/usr/bin/env bash
# Installs everything the plugin, its demo and its tests need, from the package registries only.
# Idempotent and cached: a second run takes seconds. Safe to run on a fresh clone.
LOG_TAG=setup; source "$(dirname "$0")/lib.sh"
cd "$ROOT"
start=$SECONDS

# Install scripts stay off: tfjs-node's would download from Google storage. Native parts are built below.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm dependencies"
  npm install --ignore-scripts --no-audit --no-fund --loglevel=error
fi
if ! node -e "new (require('better-sqlite3'))(':memory:')" >/dev/null 2>&1; then
  log "building better-sqlite3 (no prebuilt binary can be downloaded here)"
  npm_config_nodedir="$(node_headers_dir)" npm rebuild better-sqlite3 --loglevel=error >/dev/null
fi
if ! node -e "require('esbuild').transformSync('')" >/dev/null 2>&1; then
  npm rebuild esbuild --loglevel=error >/dev/null
fi
bash scripts/setup-tfjs.sh
bash scripts/fetch-model.sh
bash scripts/fetch-photos.sh scripts/sample-photos.tsv .samples/photos
bash scripts/services/kafka.sh install
bash scripts/services/milvus.sh install
log "compiling the plugin"
npm run --silent build
log "setup complete in $((SECONDS - start))s"
