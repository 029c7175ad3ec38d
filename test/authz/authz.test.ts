// Runs the authorisation matrix, and checks that every write route of the service is in it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { needsKey } from "../../src/lib/router";
import { createTestApp, type TestApp } from "../app";
import { type Cast, makeCast, makeOrg, type OrgWithKey } from "../factories";
import { CALLERS, expected, type MatrixRow } from "./matrix";

const modules = import.meta.glob<{ rows: MatrixRow[] }>("./rows/*.ts", { eager: true });
const rows = Object.values(modules).flatMap((m) => m.rows);

let t: TestApp;
let cast: Cast;
let unverified: OrgWithKey;
beforeAll(async () => {
  t = await createTestApp();
  cast = await makeCast(t);
  unverified = await makeOrg(t, ["seller"], { status: "pending" });
});
afterAll(() => t.close());

describe("authorisation matrix", () => {
  it("covers every write route in the OpenAPI document", async () => {
    const doc = (await (await t.request("GET", "/openapi.json")).json()) as {
      paths: Record<string, Record<string, { operationId: string }>>;
    };
    const writes = Object.values(doc.paths).flatMap((ops) =>
      Object.entries(ops)
        .filter(([method]) => ["post", "put", "patch", "delete"].includes(method))
        .map(([, op]) => op.operationId),
    );
    const covered = new Set(rows.map((r) => r.operationId));
    expect(writes.filter((id) => !covered.has(id))).toEqual([]);
  });

  it("authenticates before it validates: every keyed write answers 401 to a bad body without a key or with an unknown one", async () => {
    const doc = (await (await t.request("GET", "/openapi.json")).json()) as {
      security: Record<string, string[]>[];
      paths: Record<
        string,
        Record<string, { operationId: string; security?: typeof doc.security }>
      >;
    };
    const keyed = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([method]) => ["post", "put", "patch", "delete"].includes(method))
        .filter(([, op]) => needsKey(op.security ?? doc.security))
        .map(([method, op]) => ({ method, path: path.replaceAll(/\{[^}]+\}/g, "x"), op })),
    );
    // The filter must not have emptied the list: the issue's own example is among them.
    expect(keyed.map(({ op }) => op.operationId)).toEqual(
      expect.arrayContaining(["registerProduct", "uploadInspectionReport", "epcisCaptureEvent"]),
    );
    const unknownKey = `zs_${"0".repeat(40)}`;
    for (const { method, path, op } of keyed) {
      for (const key of [undefined, unknownKey]) {
        const res = await t.request(method.toUpperCase() as "POST", path, {
          body: '{"not": "what this route takes"',
          headers: { "content-type": "application/json" },
          key,
        });
        const problem = (await res.json()) as { code: string; errors?: unknown };
        expect(res.status, `${op.operationId} ${key ? "unknown key" : "no key"}`).toBe(401);
        expect(problem.code).toBe("unauthorized");
        expect(problem.errors).toBeUndefined();
      }
    }
  });

  for (const row of rows) {
    for (const callerName of CALLERS) {
      it(`${row.operationId}${row.label ? ` (${row.label})` : ""} as ${callerName} → ${expected(row, callerName)}`, async () => {
        const caller =
          callerName === "none"
            ? null
            : callerName === "unverified"
              ? unverified
              : cast[callerName];
        const req = await row.request({ t, cast, unverified, caller });
        const res = await t.request(req.method, req.path, {
          json: req.json,
          body: req.body,
          headers: req.headers,
          key: caller?.key,
        });
        const text = await res.text();
        expect(res.status, text).toBe(expected(row, callerName));
        if (res.status >= 400) expect(res.headers.get("content-type")).toMatch(/problem\+json/);
      });
    }
  }
});
