/**
 * Keeps TensorFlow's C++ INFO lines (CPU features, SavedModel loading) off a quiet boot, unless the user set a level.
 * Call it on the main thread before any thread loads tfjs-node: TensorFlow reads the process's environment, which a
 * worker thread's `process.env` is only a copy of.
 */
export function quietTensorFlow(): void {
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
}
