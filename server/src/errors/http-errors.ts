import createError from 'http-errors';

/**
 * HTTP errors that @strapi/utils has no class for. Strapi's error middleware formats any http-errors
 * HttpError into its usual `{ data: null, error: { status, name, message, details } }` body.
 */
export class ConflictError extends createError.Conflict {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message);
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'ConflictError';
    Object.assign(this, { details });
  }
}

export class UnprocessableEntityError extends createError.UnprocessableEntity {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message);
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'UnprocessableEntityError';
    Object.assign(this, { details });
  }
}

export class ServiceUnavailableError extends createError.ServiceUnavailable {
  constructor(message: string) {
    super(message);
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'ServiceUnavailableError';
    Object.assign(this, { details: {} });
  }
}
