// Every console route, as the app lists them (desks included): without a session a page sends the
// visitor to the login and a form is refused; with a session, a form without its CSRF token is refused.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { makeMember, makeOrg } from "../../../test/factories";
import { type ConsoleAgent, consoleAgent } from "../../../test/helpers/console-agent";
import { consoleRoutes } from "./routes";

/** Routes a visitor without a session uses: the stylesheet, logging in, signing up, invitations. */
const PUBLIC = [
  /^\/assets\//,
  /^\/console\/login$/,
  /^\/console\/register$/,
  /^\/console\/invitations\//,
];

const routes = consoleRoutes.routes
  .filter((r) => r.method === "GET" || r.method === "POST")
  .filter((r) => !PUBLIC.some((p) => p.test(r.path)))
  .map((r) => ({ method: r.method, path: r.path.replace(/:(\w+)(\{[^}]*\})?/g, "zz_$1") }));

let t: TestApp;
let agent: ConsoleAgent;

beforeAll(async () => {
  t = await createTestApp();
  // An organisation of every role, so no desk refuses the member for its role before the CSRF check.
  const { org } = await makeOrg(t, ["producer", "seller", "logistics", "inspector"]);
  const m = await makeMember(t, org);
  agent = await consoleAgent(t, m.email, m.password);
});
afterAll(() => t.close());

describe("every console route", () => {
  it("is listed (the test would pass vacuously otherwise)", () => {
    expect(routes.filter((r) => r.method === "POST").length).toBeGreaterThanOrEqual(6);
    expect(routes.filter((r) => r.method === "GET").length).toBeGreaterThanOrEqual(5);
  });

  it("sends a visitor without a session to the login page, GET and POST alike", async () => {
    for (const r of routes) {
      const res = await t.request(r.method, r.path, {
        ...(r.method === "POST"
          ? {
              body: "name=x",
              headers: { "Content-Type": "application/x-www-form-urlencoded" },
            }
          : {}),
      });
      expect(res.status, `${r.method} ${r.path}`).toBe(303);
      expect(res.headers.get("Location"), `${r.method} ${r.path}`).toMatch(/^\/console\/login/);
    }
  });

  it("refuses a form without its session's CSRF token, whatever else it holds", async () => {
    for (const r of routes.filter((x) => x.method === "POST")) {
      const res = await agent.post(r.path, { name: "x", _csrf: "not the token" });
      expect(res.status, r.path).toBe(403);
      expect(await res.text(), r.path).toContain("请求被拒绝");
    }
  });
});
