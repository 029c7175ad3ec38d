// The one error type of the service and its RFC 9457 problem+json rendering.
import type { Context } from "hono";

/** Stable error codes; clients branch on these, so never rename one. */
export const errorStatus = {
  bad_request: 400,
  malformed_json: 400,
  invalid_code: 400,
  query_parameter: 400,
  epcis_validation: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  not_acceptable: 406,
  conflict: 409,
  custody_violation: 409,
  payload_too_large: 413,
  capture_limit_exceeded: 413,
  query_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  rate_limited: 429,
  internal: 500,
  not_implemented: 501,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

const titles: Record<ErrorCode, string> = {
  bad_request: "Bad request",
  malformed_json: "Malformed JSON",
  invalid_code: "Invalid identifier",
  query_parameter: "Invalid query parameter",
  epcis_validation: "EPCIS document or event invalid",
  unauthorized: "Unauthorized",
  forbidden: "Forbidden",
  not_found: "Not found",
  method_not_allowed: "Method not allowed",
  not_acceptable: "Not acceptable",
  conflict: "Conflict",
  custody_violation: "Custody rule violated",
  payload_too_large: "Payload too large",
  capture_limit_exceeded: "EPCIS capture limit exceeded",
  query_too_large: "Query result too large",
  unsupported_media_type: "Unsupported media type",
  validation_failed: "Validation failed",
  rate_limited: "Too many requests",
  internal: "Internal server error",
  not_implemented: "Not implemented",
  service_unavailable: "Service unavailable",
};

export interface FieldError {
  /** JSON path of the bad field, e.g. "items.3.serial" or "query.code". */
  path: string;
  message: string;
  code?: string;
}

export interface ProblemExtras {
  errors?: FieldError[];
  [key: string]: unknown;
}

export class AppError extends Error {
  override name = "AppError";
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly extras: ProblemExtras = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.status = errorStatus[code];
  }
}

export const notFound = (what: string) => new AppError("not_found", `${what} does not exist`);

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  instance: string;
  requestId: string;
  errors?: FieldError[];
  [key: string]: unknown;
}

export function problemBody(c: Context, error: AppError): Problem {
  return {
    ...error.extras,
    type: `/problems/${error.code}`,
    title: titles[error.code],
    status: error.status,
    code: error.code,
    detail: error.detail,
    instance: c.req.path,
    requestId: (c.get("requestId" as never) as string | undefined) ?? "",
  };
}

export function problemResponse(c: Context, error: AppError): Response {
  const body = problemBody(c, error);
  const headers = new Headers(error.headers);
  headers.set("Content-Type", "application/problem+json; charset=utf-8");
  return new Response(c.req.method === "HEAD" ? null : JSON.stringify(body), {
    status: error.status,
    headers,
  });
}

export function problemTitle(code: ErrorCode): string {
  return titles[code];
}
