#!/usr/bin/env bash
# Near-duplicate quality on real photos: recall per edit, and how well one threshold separates copies from
# merely similar photos, for the extractor with and without border trimming and for a perceptual hash.
LOG_TAG=quality; source "$(dirname "$0")/lib.sh"
cd "$ROOT"

bash scripts/setup.sh
bash scripts/fetch-photos.sh scripts/quality-photos.tsv .samples/quality
npx tsc -p tsconfig.bench.json
TF_CPP_MIN_LOG_LEVEL=2 node dist-bench/bench/quality.js
