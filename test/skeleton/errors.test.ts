// Every error the skeleton can produce is problem+json with a code, a detail and the request id.
import { createRoute, z } from "@hono/zod-openapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRouter, ProblemSchema } from "../../src/lib/router";
import { createTestApp, type TestApp } from "../app";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ config: { BODY_LIMIT_BYTES: "2048" } });
  // A probe route mounted only in this test: validation, JSON bodies and crashes.
  const probe = createRoute({
    method: "post",
    path: "/__probe/{n}",
    // Public: a keyed route authenticates before it validates (test/authz checks that).
    security: [],
    request: {
      params: z.object({ n: z.coerce.number().int().min(1) }),
      body: {
        content: {
          "application/json": {
            schema: z.object({
              name: z.string().min(1),
              items: z.array(z.object({ qty: z.number().positive() })),
            }),
          },
        },
      },
    },
    responses: { 200: { description: "ok" } },
  });
  const router = createRouter()
    .openapi(probe, (c) => c.json({ ok: true, body: c.req.valid("json") }, 200))
    .get("/__crash", () => {
      throw new Error("connection to 10.0.0.5 failed: select * from secrets");
    });
  t.app.route("/", router);
});
afterAll(() => t.close());

async function problem(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  const body = ProblemSchema.parse(await res.json());
  expect(body.code).toBe(code);
  expect(body.status).toBe(status);
  expect(body.detail.length).toBeGreaterThan(5);
  expect(body.requestId).toBe(res.headers.get("x-request-id"));
  expect(body.requestId).not.toBe("");
  return body;
}

describe("problem+json for every failure", () => {
  it("404 for an unknown route", async () => {
    const body = await problem(await t.request("GET", "/no/such/thing"), 404, "not_found");
    expect(body.detail).toContain("/no/such/thing");
  });

  it("405 with Allow for a wrong method", async () => {
    const res = await t.request("DELETE", "/healthz");
    await problem(res, 405, "method_not_allowed");
    expect(res.headers.get("allow")).toContain("GET");
  });

  it("400 for malformed JSON", async () => {
    const res = await t.request("POST", "/__probe/1", {
      body: '{"name": "x",',
      headers: { "Content-Type": "application/json" },
    });
    await problem(res, 400, "malformed_json");
  });

  it("413 for an oversized body", async () => {
    const res = await t.request("POST", "/__probe/1", {
      json: { name: "x".repeat(5000), items: [] },
    });
    await problem(res, 413, "payload_too_large");
  });

  it("422 naming the path of every bad field", async () => {
    const res = await t.request("POST", "/__probe/1", {
      json: { name: "", items: [{ qty: 1 }, { qty: -2 }] },
    });
    const body = await problem(res, 422, "validation_failed");
    const paths = body.errors?.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["json.name", "json.items.1.qty"]));
  });

  it("422 for a bad path parameter", async () => {
    const body = await problem(
      await t.request("POST", "/__probe/0", { json: { name: "a", items: [] } }),
      422,
      "validation_failed",
    );
    expect(body.errors?.[0]?.path).toBe("param.n");
  });

  it("500 without stack trace, SQL or addresses", async () => {
    const res = await t.request("GET", "/__crash");
    const body = await problem(res, 500, "internal");
    const text = JSON.stringify(body);
    expect(text).not.toMatch(/select|10\.0\.0\.5|at .*\.ts|stack/i);
  });

  it("passes a well-formed request through", async () => {
    const res = await t.request("POST", "/__probe/3", { json: { name: "a", items: [{ qty: 2 }] } });
    expect(res.status).toBe(200);
  });

  it("keeps a caller's plain request id and replaces a hostile one", async () => {
    const ok = await t.request("GET", "/nope", { headers: { "X-Request-Id": "abc-123" } });
    expect(ok.headers.get("x-request-id")).toBe("abc-123");
    const bad = await t.request("GET", "/nope", {
      headers: { "X-Request-Id": "a b<script>;drop" },
    });
    expect(bad.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});
