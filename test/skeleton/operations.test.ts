// Health, readiness, the OpenAPI document, the docs page and the secure defaults.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { generateSigningKey, importSigningKey } from "../../src/ledger/checkpoint";
import { FixedClock } from "../../src/lib/clock";
import { silentLogger } from "../../src/lib/logger";
import { createTestApp, type TestApp, testConfig } from "../app";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe("operations", () => {
  it("healthz says the process is up", async () => {
    const res = await t.request("GET", "/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("readyz says which database answers", async () => {
    const res = await t.request("GET", "/readyz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ready", database: t.handle.kind });
  });

  it("readyz is 503 problem+json when the database does not answer", async () => {
    const app = createApp({
      db: t.db,
      dbKind: "postgres",
      ping: () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:5432")),
      config: testConfig(),
      clock: new FixedClock(),
      logger: silentLogger,
      secrets: {
        hashSecret: "x".repeat(32),
        signingKey: await importSigningKey((await generateSigningKey()).privateKeyPkcs8),
      },
    });
    const res = await app.request("/readyz");
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toMatch(/problem\+json/);
    const body = (await res.json()) as { code: string; detail: string };
    expect(body.code).toBe("service_unavailable");
    expect(body.detail).not.toContain("5432");
  });

  it("serves a memoised OpenAPI 3.1 document in which every route has an operationId", async () => {
    const first = await t.request("GET", "/openapi.json");
    expect(first.status).toBe(200);
    const doc = (await first.json()) as {
      openapi: string;
      paths: Record<
        string,
        Record<string, { operationId?: string; tags?: string[]; summary?: string }>
      >;
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/healthz", "/readyz"]));
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        expect(op.operationId, `${method} ${path}`).toBeTruthy();
        expect(op.tags?.length, `${method} ${path}`).toBeGreaterThan(0);
        expect(op.summary, `${method} ${path}`).toBeTruthy();
      }
    }
    const second = await (await t.request("GET", "/openapi.json")).text();
    expect(second).toBe(JSON.stringify(doc));
  });

  it("serves the API reference page", async () => {
    const res = await t.request("GET", "/docs");
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("/openapi.json");
  });

  it("sends security headers and CORS on public reads", async () => {
    const res = await t.request("GET", "/openapi.json", {
      headers: { Origin: "https://shop.example" },
    });
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const health = await t.request("GET", "/healthz", {
      headers: { Origin: "https://shop.example" },
    });
    expect(health.headers.get("access-control-allow-origin")).toBeNull();
  });
});
