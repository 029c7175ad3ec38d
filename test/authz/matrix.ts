// The authorisation matrix: every write route against every kind of caller, with the exact status.
import type { TestApp } from "../app";
import type { Cast, OrgWithKey } from "../factories";

export const CALLERS = [
  "none",
  "producer",
  "seller",
  "logistics",
  "inspector",
  "regulator",
  "unverified",
] as const;
export type CallerName = (typeof CALLERS)[number];

export interface MatrixContext {
  t: TestApp;
  cast: Cast;
  /** A pending seller: registered, not yet verified. */
  unverified: OrgWithKey;
  /** The caller of this cell, or null for "none". */
  caller: OrgWithKey | null;
}

export interface MatrixRequest {
  method: "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
}

export interface MatrixRow {
  /** The route's operationId in the OpenAPI document. */
  operationId: string;
  /** Tells rows of one route apart (e.g. the kind of a lifecycle event). */
  label?: string;
  /** Builds a fresh, otherwise valid request for this caller (seeding what it needs). */
  request(ctx: MatrixContext): Promise<MatrixRequest> | MatrixRequest;
  /** Expected status per caller; `others` covers callers not named. */
  expect: Partial<Record<CallerName | "others", number>>;
}

export function expected(row: MatrixRow, caller: CallerName): number {
  const status = row.expect[caller] ?? row.expect.others;
  if (status === undefined) throw new Error(`${row.operationId}: no expected status for ${caller}`);
  return status;
}
