#!/usr/bin/env bash
# Makes @tensorflow/tfjs-node work offline: its install script downloads libtensorflow from Google storage,
# which these machines cannot reach, so the same C library is taken from PyPI's tensorflow-cpu wheel and the
# addon is rebuilt against it. Idempotent: a no-op when the addon already loads.
LOG_TAG=tfjs; source "$(dirname "$0")/lib.sh"

# Where node resolves it from here: this repository's node_modules, or the Strapi app's when installed as a plugin.
TFJS="$(cd "$ROOT" && node -p "path.dirname(require.resolve('@tensorflow/tfjs-node/package.json'))" 2>/dev/null)" \
  || die "@tensorflow/tfjs-node is not installed: run npm install first"
INSTALL_ROOT="${TFJS%/node_modules/@tensorflow/tfjs-node}"
backend_ok() { (cd "$ROOT" && TF_CPP_MIN_LOG_LEVEL=3 node -e "const tf=require('@tensorflow/tfjs-node');process.exit(tf.getBackend()==='tensorflow'?0:1)") >/dev/null 2>&1; }
if backend_ok; then log "tfjs-node native backend already works"; exit 0; fi

start=$SECONDS
wheel="$(tf_wheel)"
log "extracting libtensorflow and its C headers"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
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
deps="$TFJS/deps"
rm -rf "$deps"; mkdir -p "$deps/lib"
mv "$work/tensorflow/include" "$deps/include"
mv "$work/tensorflow/libtensorflow_cc.so.2" "$work/tensorflow/libtensorflow_framework.so.2" "$deps/lib/"
strip --strip-unneeded "$deps/lib/"*.so.2 2>/dev/null || true
(cd "$deps/lib" && ln -sf libtensorflow_cc.so.2 libtensorflow.so && ln -sf libtensorflow_framework.so.2 libtensorflow_framework.so \
  && ln -sf libtensorflow_cc.so.2 libtensorflow.so.2.9.1)

log "rebuilding the tfjs-node addon (about a minute)"
(cd "$INSTALL_ROOT" && npm_config_build_from_source=true npm_config_nodedir="$(node_headers_dir)" npm rebuild @tensorflow/tfjs-node --foreground-scripts >"$work/rebuild.log" 2>&1) \
  || { tail -30 "$work/rebuild.log"; die "rebuilding @tensorflow/tfjs-node failed"; }
backend_ok || die "tfjs-node still does not load its native backend"
log "tfjs-node native backend ready in $((SECONDS - start))s"
