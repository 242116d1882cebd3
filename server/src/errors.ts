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

export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));
