#!/usr/bin/env bash
# Near-duplicate quality on real photos: ranking per edit, each global descriptor at its threshold, and the shipped
# two-stage duplicate decision (learned whitening, then keypoints), over a library of distinct photos, distractors,
# similar shots and edited copies. Writes bench/results/quality.json.
LOG_TAG=quality; source "$(dirname "$0")/lib.sh"
cd "$ROOT"

bash scripts/setup.sh
bash scripts/fetch-photos.sh scripts/quality-photos.tsv .samples/quality
bash scripts/fetch-photos.sh scripts/distractor-photos.tsv .samples/distractors
bash scripts/fetch-photos.sh scripts/similar-shots.tsv .samples/similar-shots
npx tsc -p tsconfig.bench.json
TF_CPP_MIN_LOG_LEVEL=2 node dist-bench/bench/quality.js
