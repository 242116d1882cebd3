import { errors } from '@strapi/utils';
import type { z } from 'zod';

/** Parses request input with a contract schema; a failure is a 400 whose message names the parameter. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    param: issue.path.map(String).join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : ''),
    message: issue.message,
  }));
  throw new errors.ValidationError(issues.map(({ param, message }) => (param ? `${param}: ${message}` : message)).join('; '), { errors: issues });
}
