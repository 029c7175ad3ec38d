// Signing up in the console: one form makes a pending organisation and its owner, or nothing at all.
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { makeUscc } from "../../../test/factories";
import { consoleAgent } from "../../../test/helpers/console-agent";
import { members, orgs } from "../../db/schema";

let t: TestApp;
let n = 0;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

/** A new visitor: its own browser, so the sign-up limit of one client is not shared. */
async function visitor(userAgent = `browser ${++n}`) {
  return { agent: await consoleAgent(t, null, "", { headers: { "User-Agent": userAgent } }) };
}

function form(overrides: Record<string, string> = {}) {
  const i = ++n;
  return {
    kind: "enterprise",
    nameZh: `黄岩橘农${i}号合作社`,
    uscc: makeUscc("331003"),
    "role.producer": "yes",
    regionCode: "331003",
    contactPhone: "0576-8800000",
    "licence.0.kind": "food_production_sc",
    "licence.0.number": "SC10633100300011",
    ownerName: "王社长",
    ownerLogin: `signup${i}@example.cn`,
    ownerPassword: "a long enough password",
    ...overrides,
  };
}

describe("console sign-up", () => {
  it("registers a pending organisation with its owner, shows the first key once and logs in", async () => {
    const { agent } = await visitor();
    const fields = form();
    const res = await agent.submit("/console/register", "/console/register", fields);
    expect(res.status).toBe(201);
    const html = await res.text();
    const key = /data-testid="first-key">([^<]+)</.exec(html)?.[1];
    expect(key).toMatch(/^zs_/);
    const [org] = await t.db.select().from(orgs).where(eq(orgs.uscc, fields.uscc));
    expect(org).toMatchObject({ status: "pending", roles: ["producer"], nameZh: fields.nameZh });
    expect(org!.licences).toEqual([
      expect.objectContaining({ kind: "food_production_sc", number: "SC10633100300011" }),
    ]);
    const [owner] = await t.db.select().from(members).where(eq(members.orgId, org!.id));
    expect(owner).toMatchObject({ role: "owner", email: fields.ownerLogin, displayName: "王社长" });
    // The session works at once, and the key is the organisation's.
    const home = await (await agent.get("/console")).text();
    expect(home).toContain(fields.nameZh);
    const me = await t.request("GET", "/v1/me", { key: key! });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { id: string }).id).toBe(org!.id);
  });

  it("names what is wrong, keeps what was typed (never the password) and writes nothing", async () => {
    const { agent } = await visitor();
    const fields = form({ uscc: "91331003MA2K8XXXX", nameZh: "<b>坏</b>名" });
    const res = await agent.submit("/console/register", "/console/register", fields);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toMatch(/uscc/);
    expect(html).toContain("&lt;b&gt;坏&lt;/b&gt;名");
    expect(html).not.toContain(fields.ownerPassword);
    expect(await t.db.select().from(members).where(eq(members.email, fields.ownerLogin))).toEqual(
      [],
    );
  });

  it("rolls the organisation back when the owner's login is taken", async () => {
    const first = form();
    await (await visitor()).agent.submit("/console/register", "/console/register", first);
    const second = form({ ownerLogin: first.ownerLogin });
    const res = await (await visitor()).agent.submit(
      "/console/register",
      "/console/register",
      second,
    );
    expect(res.status).toBe(409);
    expect(await res.text()).toContain("already belongs to a member");
    expect(await t.db.select().from(orgs).where(eq(orgs.uscc, second.uscc))).toEqual([]);
  });

  it("refuses a weak password, a missing role and a regulator role given to oneself", async () => {
    const cases: [Record<string, string>, number, RegExp][] = [
      [{ ownerPassword: "short" }, 422, /password/],
      [{ "role.producer": "" }, 422, /roles/],
      [{ "role.producer": "", "role.regulator": "yes" }, 422, /roles/],
      [{ ownerLogin: "not a login" }, 422, /ownerLogin/],
    ];
    for (const [overrides, status, text] of cases) {
      const { agent } = await visitor();
      const fields = form(overrides);
      const res = await agent.submit("/console/register", "/console/register", fields);
      expect(res.status, JSON.stringify(overrides)).toBe(status);
      expect(await res.text()).toMatch(text);
      expect(await t.db.select().from(orgs).where(eq(orgs.uscc, fields.uscc))).toEqual([]);
    }
  });

  it("lets one client register five organisations, then asks it to wait", async () => {
    const { agent } = await visitor("one busy script");
    const answers: number[] = [];
    for (let i = 0; i < 6; i++) {
      answers.push((await agent.submit("/console/register", "/console/register", form())).status);
      await agent.post("/console/logout", { _csrf: await agent.csrfOf("/console") });
    }
    expect(answers).toEqual([201, 201, 201, 201, 201, 429]);
  });

  it("refuses a form without its CSRF token", async () => {
    const { agent } = await visitor();
    await agent.get("/console/register");
    const res = await agent.post("/console/register", form());
    expect(res.status).toBe(403);
  });
});
