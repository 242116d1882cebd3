import createError from 'http-errors';
import { ConflictError, ServiceUnavailableError, UnprocessableEntityError } from '../../../server/src/errors/http-errors';

describe('HTTP errors', () => {
  it.each([
    [new ConflictError('busy', { running: true }), ConflictError, 409],
    [new UnprocessableEntityError('not a duplicate', { fileId: 2 }), UnprocessableEntityError, 422],
    [new ServiceUnavailableError('Milvus is down'), ServiceUnavailableError, 503],
  ] as const)('%s is its own class (callers branch on instanceof) and an HttpError that Strapi formats', (error, type, status) => {
    expect(error).toBeInstanceOf(type);
    expect(error).toBeInstanceOf(Error);
    expect(createError.isHttpError(error)).toBe(true);
    expect(error).toMatchObject({ status, name: type.name });
  });
});
