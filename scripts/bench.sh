#!/usr/bin/env bash
# The benchmarks: extraction speed against Keras, and the worker's memory over many images.
# Figures and ratios are printed; nothing passes or fails on them. Settings: ROUNDS, IMAGES, MEMORY_IMAGES.
LOG_TAG=bench; source "$(dirname "$0")/lib.sh"
cd "$ROOT"

bash scripts/setup.sh
bash scripts/setup-keras-reference.sh || log "no Keras reference: the speed benchmark runs without it"
npx tsc -p tsconfig.bench.json
export TF_CPP_MIN_LOG_LEVEL=2
node dist/bench/speed.js
node dist/bench/memory.js
