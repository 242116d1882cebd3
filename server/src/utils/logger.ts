/** The logging surface the pipeline needs; Strapi's logger and console both satisfy it. */
export interface Logger {
  debug(message: string, ...meta: unknown[]): void;
  info(message: string, ...meta: unknown[]): void;
  warn(message: string, ...meta: unknown[]): void;
  error(message: string, ...meta: unknown[]): void;
}

export const prefixed = (logger: Logger, prefix: string): Logger => ({
  debug: (message, ...meta) => logger.debug(`${prefix} ${message}`, ...meta),
  info: (message, ...meta) => logger.info(`${prefix} ${message}`, ...meta),
  warn: (message, ...meta) => logger.warn(`${prefix} ${message}`, ...meta),
  error: (message, ...meta) => logger.error(`${prefix} ${message}`, ...meta),
});

/** Drops everything: for probes whose failures are reported another way, and for tests. */
export const silentLogger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

const stamp = (level: string, message: string) => `${new Date().toISOString()} ${level} ${message}`;

/** Timestamped lines on the console, for the command-line processes. */
export const consoleLogger: Logger = {
  debug: (message) => void (process.env.DEBUG && console.debug(stamp('debug', message))),
  info: (message) => console.log(stamp('info', message)),
  warn: (message) => console.warn(stamp('warn', message)),
  error: (message) => console.error(stamp('error', message)),
};
