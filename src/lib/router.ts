// One router factory for every feature: shared validation hook and shared OpenAPI error responses.
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { ZodError } from "zod";
import { requireCaller } from "./auth";
import type { AppEnv } from "./context";
import { AppError, type FieldError } from "./errors";

export function fieldErrors(error: ZodError, prefix?: string): FieldError[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter((p) => p !== undefined && p !== "").join("."),
    message: issue.message,
    code: issue.code,
  }));
}

export function validationError(error: ZodError, prefix?: string): AppError {
  const errors = fieldErrors(error, prefix);
  const first = errors[0];
  const summary = first ? `${first.path || "body"}: ${first.message}` : "the request is invalid";
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
  return new AppError("validation_failed", `${summary}${more}`, { errors });
}

type Security = Record<string, string[]>[] | undefined;

/**
 * A route needs a key unless its OpenAPI security is empty (public) or offers an empty
 * alternative (optional); no `security` means the document's default, which is the API key.
 */
export function needsKey(security: Security): boolean {
  if (security === undefined) return true;
  return (
    security.length > 0 && !security.some((alternative) => Object.keys(alternative).length === 0)
  );
}

/** Runs before the route's validators, so an anonymous caller never learns what a body must hold. */
const authenticateFirst: MiddlewareHandler<AppEnv> = async (c, next) => {
  await requireCaller(c);
  await next();
};

/**
 * Every feature's router: one validation hook, and authentication before validation on every
 * route that needs a key (401 whatever the body; the caller is cached for the handler).
 */
export function createRouter(): OpenAPIHono<AppEnv> {
  const router = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, result.target);
    },
  });
  const register = router.openapi.bind(router);
  router.openapi = ((route, handler, hook) => {
    if (!needsKey(route.security)) return register(route, handler, hook);
    const own = route.middleware === undefined ? [] : [route.middleware].flat();
    return register({ ...route, middleware: [authenticateFirst, ...own] }, handler, hook);
  }) as typeof router.openapi;
  return router;
}

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: "/problems/validation_failed" }),
    title: z.string(),
    status: z.number().int(),
    code: z.string().openapi({ example: "validation_failed" }),
    detail: z.string(),
    instance: z.string(),
    requestId: z.string(),
    errors: z
      .array(z.object({ path: z.string(), message: z.string(), code: z.string().optional() }))
      .optional(),
  })
  .passthrough()
  .openapi("Problem");

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: ProblemSchema } },
});

/** Error responses spread into every route's OpenAPI definition. */
export const errorResponses = {
  400: problem("Malformed request (bad JSON, bad identifier)"),
  422: problem("Validation failed; `errors` lists every bad field"),
  500: problem("Unexpected error; the request id identifies it in the logs"),
} as const;

export const authErrorResponses = {
  401: problem("Missing, unknown, malformed or revoked API key"),
  403: problem("The key's organisation lacks the role, or may not write"),
} as const;

export const notFoundResponse = { 404: problem("No such resource") } as const;
export const conflictResponse = {
  409: problem("The request conflicts with the current state"),
} as const;
export const problemResponseSpec = problem;

/** OpenAPI security of routes that work without a key and do more with one. */
export const optionalKey: Record<string, string[]>[] = [{ apiKey: [] }, {}];

/** A JSON response of `schema` for a route definition. */
export const json = <T extends z.ZodTypeAny>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/** A required JSON request body of `schema` for a route definition. */
export const body = <T extends z.ZodTypeAny>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});
