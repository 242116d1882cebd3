/** TensorFlow's C++ log level unless the user set one: warnings and errors, no INFO lines (CPU features, loading). */
export const QUIET_LOG_LEVEL = '2';

/**
 * Keeps TensorFlow's INFO lines off a quiet start where the model loads in this process (the standalone worker, the
 * command line); Strapi's model process gets the level in its environment (extractor-process.ts).
 */
export function quietTensorFlow(): void {
  process.env.TF_CPP_MIN_LOG_LEVEL ??= QUIET_LOG_LEVEL;
}

/**
 * TensorFlow logs a few lines when its library loads (absl's note that logging is not initialised, oneDNN being on)
 * before it reads TF_CPP_MIN_LOG_LEVEL: they are noise unless that level asks for INFO (0).
 */
const BOOT_NOISE = [/^WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR$/, /^I\d{4} [\d:.]+ +\d+ port\.cc:\d+\] oneDNN custom operations are on/];

export const isTensorFlowBootNoise = (line: string, minLogLevel: string): boolean => minLogLevel !== '0' && BOOT_NOISE.some((noise) => noise.test(line));
