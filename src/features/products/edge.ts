// Identifiers from URLs parsed once at the edge: handlers hand services a Gtin14, never a raw string.
import type { Context } from "hono";
import {
  type CodeError,
  type Gtin14,
  type ParsedCode,
  parseCode,
  parseGtin,
  validateAiValue,
} from "../../codes";
import { publicBaseUrl } from "../../config";
import type { AppEnv } from "../../lib/context";
import { AppError } from "../../lib/errors";

function invalidCode(path: string, error: CodeError): AppError {
  return new AppError("invalid_code", `${path}: ${error.message}`, {
    codeError: error,
    errors: [{ path, message: error.message, code: error.code }],
  });
}

export function gtinParam(value: string, path = "param.gtin"): Gtin14 {
  const parsed = parseGtin(value.trim());
  if (!parsed.ok) throw invalidCode(path, parsed.error);
  return parsed.value;
}

/** A lot (AI 10) or serial (AI 21) from a path: anything that could never have been registered is 400. */
export function aiParam(ai: "10" | "21", value: string, path: string): string {
  const error = validateAiValue(ai, value);
  if (error) throw invalidCode(path, error);
  return value;
}

export function scannedCode(value: string, path = "query.code"): ParsedCode {
  const parsed = parseCode(value);
  if (!parsed.ok) throw invalidCode(path, parsed.error);
  return parsed.value;
}

/** Where printed codes point: the configured public base URL. */
export const baseUrl = (c: Context<AppEnv>): string => publicBaseUrl(c.var.deps.config);
