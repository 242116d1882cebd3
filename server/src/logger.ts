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
