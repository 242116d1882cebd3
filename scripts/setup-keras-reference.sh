#!/usr/bin/env bash
# The benchmarks' reference: Python Keras on the same tensorflow-cpu wheel tfjs-node's native library comes from,
# in a virtualenv under .services/keras. Idempotent: a no-op when it imports.
LOG_TAG=keras; source "$(dirname "$0")/lib.sh"

VENV="$SERVICES_DIR/keras/venv"
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import tensorflow as tf; assert tf.__version__ == "2.21.0"' >/dev/null 2>&1; then
  log "Keras reference already installed"; exit 0
fi
wheel="$(tf_wheel)"
log "installing TensorFlow 2.21.0 and its dependencies into $VENV"
rm -rf "$VENV"
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet "$wheel" || die "installing the tensorflow-cpu wheel failed"
log "Keras reference ready"
