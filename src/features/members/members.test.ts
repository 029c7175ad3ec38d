// Members, invitations, sessions and the console's CSRF and cross-organisation refusals, through the services and the app.
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { makeOrg } from "../../../test/factories";
import { consoleAgent } from "../../../test/helpers/console-agent";
import { activity, members, sessions } from "../../db/schema";
import { hashPassword, SCRYPT, verifyPassword } from "./password";
import { accessPolicy, type MemberActor } from "./policy";
import { acceptInvitation, createMember, inviteMember, removeMember } from "./service";
import { login, resolveSession } from "./sessions";

let t: TestApp;
let n = 0;
const deps = () => ({ clock: t.clock, policy: accessPolicy(t.config) });
const PASSWORD = "correct horse battery";

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

async function owner() {
  const { org, key } = await makeOrg(t, ["producer"]);
  const email = `owner${++n}@example.cn`;
  const member = await createMember(t.db, t.clock, {
    orgId: org.id,
    login: { email },
    displayName: "王经理",
    role: "owner",
    password: PASSWORD,
  });
  return { org, key, member, email };
}

async function actorOf(email: string): Promise<MemberActor> {
  const done = await login(t.db, deps(), { login: email, password: PASSWORD });
  return {
    orgId: done.member.orgId,
    memberId: done.member.id,
    sessionId: done.session.id,
    role: done.member.role,
  };
}

describe("passwords", () => {
  it("hashes with scrypt and a salt of its own, and verifies only the right password", async () => {
    const a = await hashPassword(PASSWORD);
    const b = await hashPassword(PASSWORD);
    expect(a).toMatch(new RegExp(`^scrypt\\$${SCRYPT.logN}\\$8\\$1\\$`));
    expect(a).not.toBe(b);
    expect(await verifyPassword(PASSWORD, a)).toBe(true);
    expect(await verifyPassword("wrong horse battery", a)).toBe(false);
    expect(await verifyPassword(PASSWORD, "scrypt$15$8$1$bad")).toBe(false);
  });
});

describe("invitations", () => {
  it("work once and not after they expire", async () => {
    const o = await owner();
    const actor = await actorOf(o.email);
    const first = await inviteMember(t.db, deps(), actor, {
      login: { phone: `1390000${String(++n).padStart(4, "0")}` },
      displayName: "李工",
      role: "staff",
    });
    const joined = await acceptInvitation(t.db, t.clock, first.token, "a new password!");
    expect(joined.passwordHash).toMatch(/^scrypt\$/);
    await expect(
      acceptInvitation(t.db, t.clock, first.token, "another password"),
    ).rejects.toMatchObject({
      code: "not_found",
    });
    const second = await inviteMember(t.db, deps(), actor, {
      login: { email: `late${++n}@example.cn` },
      displayName: "迟到",
      role: "staff",
    });
    t.clock.advance(t.config.INVITATION_HOURS * 3_600_000 + 1);
    await expect(
      acceptInvitation(t.db, t.clock, second.token, "a new password!"),
    ).rejects.toMatchObject({
      code: "not_found",
    });
  });

  it("are for owners only, and a staff member cannot remove anyone", async () => {
    const o = await owner();
    const actor = await actorOf(o.email);
    const staff = { ...actor, role: "staff" as const };
    await expect(
      inviteMember(t.db, deps(), staff, {
        login: { email: `x${++n}@e.cn` },
        displayName: "x",
        role: "staff",
      }),
    ).rejects.toMatchObject({ code: "forbidden" });
    await expect(removeMember(t.db, t.clock, staff, o.member.id)).rejects.toMatchObject({
      code: "forbidden",
    });
    await expect(removeMember(t.db, t.clock, actor, o.member.id)).rejects.toMatchObject({
      code: "conflict",
    });
  });
});

describe("sessions", () => {
  it("end after the idle time and after the absolute time, however busy", async () => {
    const o = await owner();
    const idle = await login(t.db, deps(), { login: o.email, password: PASSWORD });
    expect(await resolveSession(t.db, deps(), idle.token)).not.toBeNull();
    t.clock.advance(t.config.SESSION_IDLE_MINUTES * 60_000 + 1);
    expect(await resolveSession(t.db, deps(), idle.token)).toBeNull();

    const busy = await login(t.db, deps(), { login: o.email, password: PASSWORD });
    const step = (t.config.SESSION_IDLE_MINUTES * 60_000) / 2;
    const end = t.clock.now().getTime() + t.config.SESSION_ABSOLUTE_HOURS * 3_600_000;
    while (t.clock.now().getTime() + step < end) {
      t.clock.advance(step);
      expect(await resolveSession(t.db, deps(), busy.token)).not.toBeNull();
    }
    t.clock.set(new Date(end));
    expect(await resolveSession(t.db, deps(), busy.token)).toBeNull();
    const [row] = await t.db.select().from(sessions).where(eq(sessions.id, busy.session.id));
    expect(row!.tokenHash).not.toBe(busy.token);
  });

  it("locks a member after repeated wrong passwords, even against the right one, until the lock passes", async () => {
    const o = await owner();
    for (let i = 1; i < t.config.LOGIN_MAX_FAILURES; i++) {
      await expect(
        login(t.db, deps(), { login: o.email, password: "wrong password" }),
      ).rejects.toMatchObject({
        code: "unauthorized",
      });
    }
    await expect(
      login(t.db, deps(), { login: o.email, password: "wrong password" }),
    ).rejects.toMatchObject({
      code: "rate_limited",
    });
    await expect(login(t.db, deps(), { login: o.email, password: PASSWORD })).rejects.toMatchObject(
      {
        code: "rate_limited",
        extras: { reason: "member_locked" },
      },
    );
    t.clock.advance(t.config.LOGIN_LOCK_MINUTES * 60_000 + 1);
    const ok = await login(t.db, deps(), { login: o.email, password: PASSWORD });
    expect(ok.member.id).toBe(o.member.id);
    const rows = await t.db.select().from(activity).where(eq(activity.memberId, o.member.id));
    expect(rows.map((r) => r.action)).toContain("login.locked");
  });
});

async function agent(email: string) {
  return consoleAgent(t, email, PASSWORD);
}

describe("console", () => {
  it("sets an HttpOnly, SameSite=Lax, Secure session cookie behind https", async () => {
    const o = await owner();
    const a = await agent(o.email);
    const line = a.loginResponse!.headers.getSetCookie().find((l) => l.startsWith("zs_session="))!;
    expect(line).toMatch(/HttpOnly/);
    expect(line).toMatch(/SameSite=Lax/);
    expect(line).toMatch(/Secure/);
    const home = await a.get("/console");
    expect(home.status).toBe(200);
    expect(await home.text()).toContain(o.org.nameZh);
  });

  it("refuses a form without its session's CSRF token with a page that says so, and writes nothing", async () => {
    const o = await owner();
    const a = await agent(o.email);
    const res = await a.post("/console/keys", { name: "no token" });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("安全令牌");
    const other = await agent((await owner()).email);
    const stolen = await other.csrfOf("/console/keys");
    expect((await a.post("/console/keys", { name: "other token", _csrf: stolen })).status).toBe(
      403,
    );
    const page = await (await a.get("/console/keys")).text();
    expect(page).not.toContain("no token");
    expect(page).not.toContain("other token");
  });

  it("creates a key through the API's service, shows it once, attributes it to the member and session", async () => {
    const o = await owner();
    const a = await agent(o.email);
    const res = await a.post("/console/keys", {
      name: "仓库扫码枪",
      _csrf: await a.csrfOf("/console/keys"),
    });
    expect(res.status).toBe(201);
    const key = /class="secret"[^>]*>(zs_[A-Za-z0-9_-]+)</.exec(await res.text())?.[1];
    expect(key).toBeTruthy();
    expect((await t.request("GET", "/v1/me", { key: key! })).status).toBe(200);
    const [row] = await t.db.select().from(activity).where(eq(activity.action, "key.create"));
    expect(row).toMatchObject({ orgId: o.org.id, memberId: o.member.id });
    expect(row!.sessionId).toMatch(/^ses_/);
    expect(await (await a.get("/console/keys")).text()).not.toContain(key!);
  });

  it("refuses a member of one organisation every action on another's keys and members", async () => {
    const mine = await owner();
    const theirs = await owner();
    const a = await agent(mine.email);
    const [theirKey] = (await (
      await t.request("GET", "/v1/me/keys", { key: theirs.key })
    ).json()) as { id: string }[];
    const csrf = await a.csrfOf("/console/keys");
    expect((await a.post(`/console/keys/${theirKey!.id}/revoke`, { _csrf: csrf })).status).toBe(
      404,
    );
    expect(
      (await a.post(`/console/members/${theirs.member.id}/remove`, { _csrf: csrf })).status,
    ).toBe(404);
    expect((await t.request("GET", "/v1/me/keys", { key: theirs.key })).status).toBe(200);
    const [still] = await t.db.select().from(members).where(eq(members.id, theirs.member.id));
    expect(still!.removedAt).toBeNull();
    expect(await (await a.get("/console/members")).text()).not.toContain(theirs.email);
  });

  it("sends a visitor without a session to the login page", async () => {
    const res = await t.request("GET", "/console/keys");
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe("/console/login?next=%2Fconsole%2Fkeys");
  });

  it("serves its CSS under a hashed name for a year", async () => {
    const html = await (await t.request("GET", "/console/login")).text();
    const href = /href="(\/assets\/console\.[0-9a-f]{12}\.css)"/.exec(html)?.[1];
    const res = await t.request("GET", href!);
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Control")).toContain("immutable");
  });
});
