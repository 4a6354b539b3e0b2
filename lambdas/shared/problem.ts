/**
 * RFC 9457 problem details: the one error shape of the API. Maps the stable error codes to statuses and
 * builds `application/problem+json` responses. A 500 says nothing about what failed.
 */
import { z } from 'zod';
import type { ErrorCode } from '../../core/errors';
import { BASE_HEADERS } from './json-response';
import type { HttpResult } from './http-types';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  validation: 400,
  invalid_id: 400,
  unauthorized: 401,
  not_found: 404,
  duplicate: 409,
  conflict: 409,
  illegal_transition: 409,
  disabled: 409,
  forbidden: 403,
  in_use: 409,
  unknown_media: 400,
  media_not_ready: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const PROBLEM_CODES = [...(Object.keys(STATUS_BY_CODE) as ErrorCode[]), 'method_not_allowed'] as const;

/** The documented body (also used to build the OpenAPI document). */
export const problemSchema = z.object({
  type: z.string().describe('URI naming the problem type; stable per code.'),
  title: z.string(),
  status: z.number().int(),
  code: z.enum(PROBLEM_CODES).describe('Stable machine-readable code.'),
  detail: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional().describe('Field-level details of a validation error.'),
});
export type Problem = z.infer<typeof problemSchema>;

export function problemResponse(
  status: number,
  code: (typeof PROBLEM_CODES)[number],
  detail: string,
  options: { errors?: ReadonlyArray<{ path: string; message: string }>; headers?: Record<string, string> } = {},
): HttpResult {
  const body: Problem = { type: `urn:streamplane:problem:${code}`, title: TITLES[status] ?? 'Error', status, code, detail };
  if (options.errors && options.errors.length > 0) body.errors = options.errors.map((e) => ({ path: e.path, message: e.message }));
  return {
    statusCode: status,
    headers: { ...BASE_HEADERS, 'content-type': PROBLEM_CONTENT_TYPE, ...options.headers },
    body: JSON.stringify(body),
  };
}
