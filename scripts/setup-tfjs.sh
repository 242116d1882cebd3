#!/usr/bin/env bash
# Makes @tensorflow/tfjs-node work offline: its install script downloads libtensorflow from Google storage,
# which these machines cannot reach, so the same C library is taken from PyPI's tensorflow-cpu wheel and the
# addon is rebuilt against it. Both live in the cache, outside node_modules: the library (600 MB) once per user,
# linked from tfjs-node's deps/, and the built addon per Node ABI, so a reinstall of node_modules is set up
# again in seconds. Idempotent: a no-op when the addon already loads.
LOG_TAG=tfjs; source "$(dirname "$0")/lib.sh"

# Where node resolves it from here: this repository's node_modules, or the Strapi app's when installed as a plugin.
TFJS="$(cd "$ROOT" && node -p "path.dirname(require.resolve('@tensorflow/tfjs-node/package.json'))" 2>/dev/null)" \
  || die "@tensorflow/tfjs-node is not installed: run npm install first"
INSTALL_ROOT="${TFJS%/node_modules/@tensorflow/tfjs-node}"
backend_ok() { (cd "$ROOT" && TF_CPP_MIN_LOG_LEVEL=3 node -e "const tf=require('@tensorflow/tfjs-node');process.exit(tf.getBackend()==='tensorflow'?0:1)") >/dev/null 2>&1; }
if backend_ok; then log "tfjs-node native backend already works"; exit 0; fi

start=$SECONDS
TF_VERSION="$(echo "$TF_WHEEL" | cut -d- -f2)"
LIBTENSORFLOW="$CACHE_DIR/tfjs/libtensorflow-$TF_VERSION"
ADDON="$CACHE_DIR/tfjs/addon-tf$TF_VERSION-tfjs-node-$(node -p "require('$TFJS/package.json').version")-node-abi$(node -p process.versions.modules)"

if [ ! -f "$LIBTENSORFLOW/.complete" ]; then
  wheel="$(tf_wheel)"
  log "extracting libtensorflow and its C headers into $LIBTENSORFLOW"
  mkdir -p "$CACHE_DIR/tfjs"
  work="$(mktemp -d "$CACHE_DIR/tfjs/.extract.XXXXXX")"; trap 'rm -rf "$work"' EXIT
  python3 - "$wheel" "$work" <<'PY'
import sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
inc = 'tensorflow/include/'
wanted = ('tensorflow/c/', 'tensorflow/core/platform/ctstring', 'tsl/platform/ctstring', 'xla/tsl/c/')
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name in ('tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2'):
            z.extract(name, out)
        elif name.startswith(inc) and name[len(inc):].startswith(wanted):
            z.extract(name, out)
PY
  mkdir -p "$work/deps/lib"
  mv "$work/tensorflow/include" "$work/deps/include"
  mv "$work/tensorflow/libtensorflow_cc.so.2" "$work/tensorflow/libtensorflow_framework.so.2" "$work/deps/lib/"
  strip --strip-unneeded "$work/deps/lib/"*.so.2 2>/dev/null || true
  (cd "$work/deps/lib" && ln -sf libtensorflow_cc.so.2 libtensorflow.so && ln -sf libtensorflow_framework.so.2 libtensorflow_framework.so \
    && ln -sf libtensorflow_cc.so.2 libtensorflow.so.2.9.1)
  touch "$work/deps/.complete"
  rm -rf "$LIBTENSORFLOW"
  mv -T "$work/deps" "$LIBTENSORFLOW"
  # A plugin install needs the wheel no more; the repository keeps it for the benchmarks' Keras reference.
  if installed_as_package; then rm -f "$wheel"; fi
fi

# The addon finds libtensorflow through deps/ ($ORIGIN/../../deps/lib), here a link into the cache.
rm -rf "$TFJS/deps"
ln -s "$LIBTENSORFLOW" "$TFJS/deps"

if [ -f "$ADDON/.complete" ] && ! backend_ok; then
  log "reusing the addon built before for this Node"
  rm -rf "$TFJS/lib"; cp -r "$ADDON/lib" "$TFJS/lib"
fi
if ! backend_ok; then
  log "rebuilding the tfjs-node addon (about a minute)"
  log_file="$(mktemp)"
  (cd "$INSTALL_ROOT" && npm_config_build_from_source=true npm_config_nodedir="$(node_headers_dir)" npm rebuild @tensorflow/tfjs-node --foreground-scripts >"$log_file" 2>&1) \
    || { tail -30 "$log_file"; die "rebuilding @tensorflow/tfjs-node failed"; }
  rm -f "$log_file"
  backend_ok || die "tfjs-node still does not load its native backend"
fi
if [ ! -f "$ADDON/.complete" ]; then
  rm -rf "$ADDON"; mkdir -p "$ADDON"; cp -r "$TFJS/lib" "$ADDON/lib"; touch "$ADDON/.complete"
fi
log "tfjs-node native backend ready in $((SECONDS - start))s"
