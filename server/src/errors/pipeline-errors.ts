/** Every failure in the pipeline says whether retrying can help: the consumer retries the former, skips the latter. */
export class PipelineError extends Error {
  constructor(
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown }
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A dependency (Milvus, Kafka, the file store) is unreachable or timed out. */
export class UnavailableError extends PipelineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, true, options);
  }
}

/** The input itself is bad (not an image, corrupt, gone): retrying gives the same answer. */
export class UnindexableError extends PipelineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, false, options);
  }
}

export const isRetriable = (error: unknown): boolean => !(error instanceof PipelineError) || error.retriable;

/** Some clients reject with plain objects (Milvus: `{ error_code, reason }`), which String() turns into "[object Object]". */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error && typeof error === 'object') {
    const { message, reason } = error as { message?: unknown; reason?: unknown };
    if (typeof message === 'string' && message) return message;
    if (typeof reason === 'string' && reason) return reason;
    return JSON.stringify(error);
  }
  return String(error);
}
