// The console's shared journeys in real Chromium: sign up, log in, keys, members by invitation, the
// activity log, CSRF, session expiry, lockout, another organisation's pages, at 360 px and on a desktop.
import { and, eq, isNull } from "drizzle-orm";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { members } from "../../src/db/schema";
import type { TestApp } from "../app";
import { makeMember, makeOrg, makeUscc } from "../factories";
import { browserRig, chromiumPresent, DESKTOP, fitsWidth, logIn, PHONE, shot } from "./chromium";

const present = chromiumPresent("console browser tests");

const rig = browserRig(present);
let t: TestApp;
let base: string;
let browser: Browser;

beforeAll(() => {
  if (present) ({ t, base, browser } = rig);
});

async function person(viewport = PHONE): Promise<{ context: BrowserContext; page: Page }> {
  // No JavaScript: the console must work without it.
  const context = await browser.newContext({ viewport, locale: "zh-CN", javaScriptEnabled: false });
  return { context, page: await context.newPage() };
}

type Person = Awaited<ReturnType<typeof makeMember>>;

/** A member of a new organisation with `roles`, in a browser of its own that is closed afterwards. */
async function asNewMember(
  roles: Parameters<typeof makeOrg>[1],
  work: (page: Page, m: Person) => Promise<void>,
) {
  const { org } = await makeOrg(t, roles);
  const m = await makeMember(t, org);
  const { context, page } = await person();
  try {
    await work(page, m);
  } finally {
    await context.close();
  }
}

const message = (page: Page) => page.locator("main [role=alert], main [role=status]").first();

describe.skipIf(!present)("console in Chromium", () => {
  it("a new shop signs up, creates and revokes a key, invites a colleague, sees the log, logs out", {
    timeout: 120_000,
  }, async () => {
    const owner = await person();
    const colleague = await person(DESKTOP);
    try {
      const { page } = owner;
      await page.goto(`${base}/console/login`);
      await page.getByRole("link", { name: "注册新企业" }).click();
      await page.locator("#nameZh").fill("黄岩橘乡小店");
      await page.locator("#uscc").fill(makeUscc("331003"));
      await page.locator('input[name="role.seller"]').check();
      await page.locator("#regionCode").fill("331003");
      await page.locator('select[name="licence.0.kind"]').selectOption("food_business_jy");
      await page.locator('input[name="licence.0.number"]').fill("JY13310030012345");
      await page.locator("#ownerName").fill("赵店长");
      await page.locator("#ownerLogin").fill("zhao@shop.example.cn");
      await page.locator("#ownerPassword").fill("zhao's long password");
      await fitsWidth(page);
      await page.getByRole("button", { name: "注册" }).click();
      expect(await message(page).textContent()).toContain("注册成功");
      expect(await page.getByTestId("first-key").textContent()).toMatch(/^zs_/);
      await page.getByRole("link", { name: "进入管理台" }).click();
      expect(await page.locator("main").textContent()).toContain("待核验");
      await shot(page, "console-home-zh");

      // Keys: the new key is shown once, then only its prefix; revoking marks it.
      await page.getByRole("link", { name: "API 密钥" }).first().click();
      await page.locator('input[name="name"]').fill("收银系统");
      await page.getByRole("button", { name: "创建密钥" }).click();
      const secret = (await page.locator(".secret").textContent())?.trim() ?? "";
      expect(secret).toMatch(/^zs_/);
      expect((await t.request("GET", "/v1/me", { key: secret })).status).toBe(200);
      await page.goto(`${base}/console/keys`);
      expect(await page.locator("main").textContent()).not.toContain(secret);
      const row = page.locator("tr", { hasText: "收银系统" });
      await row.getByRole("button", { name: "吊销" }).click();
      expect(await message(page).textContent()).toContain("密钥已吊销");
      expect((await t.request("GET", "/v1/me", { key: secret })).status).toBe(401);

      // Members: an invitation link, opened by the colleague, sets a password and logs in.
      await page.getByRole("link", { name: "成员" }).click();
      await page.locator("#displayName").fill("钱会计");
      await page.locator("#login").fill("13900001111");
      await page.getByRole("button", { name: "邀请成员" }).click();
      const link = (await page.getByTestId("invitation-link").textContent())?.trim() ?? "";
      expect(link).toContain("/console/invitations/");
      await colleague.page.goto(link.replace(/^https?:\/\/[^/]+/, base));
      expect(await colleague.page.locator("main").textContent()).toContain("钱会计");
      await colleague.page.locator("#password").fill("qian's own password");
      await colleague.page.getByRole("button", { name: "设置密码并登录" }).click();
      await colleague.page.waitForURL(`${base}/console`);
      expect(await colleague.page.locator(".who").textContent()).toContain("钱会计");
      // Staff see no activity log and no member management.
      expect(await colleague.page.getByRole("link", { name: "操作日志" }).count()).toBe(0);
      await colleague.page.goto(`${base}/console/members`);
      expect(await message(colleague.page).textContent()).toContain("只有所有者");
      await fitsWidth(colleague.page);

      // The owner's log names who did what, from which session.
      await page.getByRole("link", { name: "操作日志" }).click();
      const actions = await page
        .locator("td[data-action]")
        .evaluateAll((cells) => cells.map((c) => c.getAttribute("data-action")));
      expect(actions).toEqual(
        expect.arrayContaining(["key.create", "key.revoke", "member.invite", "login"]),
      );
      expect(await page.locator("main").textContent()).toContain("钱会计");
      expect(await page.locator("main").textContent()).toContain("吊销密钥");
      await fitsWidth(page);
      await shot(page, "console-activity-zh");

      // English, then log out: the session no longer opens pages.
      await page.getByRole("link", { name: "English" }).click();
      expect(await page.locator("html").getAttribute("lang")).toBe("en");
      await page.getByRole("button", { name: "Log out" }).click();
      await page.waitForURL(/\/console\/login/);
      await page.goto(`${base}/console/keys`);
      await page.waitForURL(/\/console\/login/);
      expect(new URL(page.url()).searchParams.get("next")).toBe("/console/keys");
    } finally {
      await owner.context.close();
      await colleague.context.close();
    }
  });

  it(
    "after logging in, goes back to the page that asked for it",
    {
      timeout: 60_000,
    },
    () =>
      asNewMember(["producer"], async (page, m) => {
        await page.goto(`${base}/console/profile`);
        await page.waitForURL(/next=%2Fconsole%2Fprofile/);
        await page.locator('input[name="login"]').fill(m.email);
        await page.locator('input[name="password"]').fill(m.password);
        await page.locator('form[action="/console/login"] button').click();
        await page.waitForURL(`${base}/console/profile`);
        expect(await page.locator("h1").textContent()).toBe("企业资料");
      }),
  );

  it(
    "refuses a form whose CSRF token is not its session's, and writes nothing",
    {
      timeout: 60_000,
    },
    () =>
      asNewMember(["seller"], async (page, m) => {
        await logIn(page, base, m.email, m.password);
        await page.goto(`${base}/console/keys`);
        await page.locator('form[action="/console/keys"] input[name="_csrf"]').evaluate((input) => {
          (input as HTMLInputElement).value = "forged";
        });
        await page.locator('input[name="name"]').fill("forged key");
        await page.getByRole("button", { name: "创建密钥" }).click();
        expect(await page.locator("h1").textContent()).toBe("请求被拒绝");
        await page.goto(`${base}/console/keys`);
        expect(await page.locator("main").textContent()).not.toContain("forged key");
      }),
  );

  it(
    "ends an idle session: the next page asks to log in again and says why",
    {
      timeout: 60_000,
    },
    () =>
      asNewMember(["logistics"], async (page, m) => {
        await logIn(page, base, m.email, m.password);
        t.clock.advance((t.config.SESSION_IDLE_MINUTES + 1) * 60_000);
        await page.goto(`${base}/console/keys`);
        await page.waitForURL(/\/console\/login/);
        expect(await message(page).textContent()).toContain("会话已过期");
      }),
  );

  it(
    "locks a member after repeated wrong passwords, even against the right one",
    {
      timeout: 60_000,
    },
    () =>
      asNewMember(["producer"], async (page, m) => {
        for (let i = 0; i < t.config.LOGIN_MAX_FAILURES; i++) {
          await page.goto(`${base}/console/login`);
          await page.locator('input[name="login"]').fill(m.email);
          await page.locator('input[name="password"]').fill(`wrong password ${i}`);
          await page.locator('form[action="/console/login"] button').click();
        }
        expect(await message(page).textContent()).toContain("已锁定");
        await page.locator('input[name="password"]').fill(m.password);
        await page.locator('form[action="/console/login"] button').click();
        expect(await message(page).textContent()).toContain("已锁定");
        expect(new URL(page.url()).pathname).toBe("/console/login");
      }),
  );

  it("shows a member of one organisation nothing of another's and lets it do nothing there", {
    timeout: 60_000,
  }, async () => {
    const mine = await makeOrg(t, ["producer"]);
    const theirs = await makeOrg(t, ["producer"]);
    const me = await makeMember(t, mine.org);
    const them = await makeMember(t, theirs.org, { displayName: "别家员工" });
    const { context, page } = await person(DESKTOP);
    try {
      await logIn(page, base, me.email, me.password);
      await page.goto(`${base}/console/members`);
      expect(await page.locator("main").textContent()).not.toContain("别家员工");
      // Removing their member through a crafted form is refused and leaves them in place.
      await page.locator('form[action="/console/members"]').evaluate((form, id) => {
        (form as HTMLFormElement).action = `/console/members/${id}/remove`;
      }, them.member.id);
      await page.locator("#displayName").fill("x");
      await page.locator("#login").fill("x@example.cn");
      await page.getByRole("button", { name: "邀请成员" }).click();
      expect(await message(page).textContent()).toMatch(/不存在或不属于本企业|没有权限/);
      const still = await consoleMembersOf(theirs.org.id);
      expect(still).toContain(them.member.id);
    } finally {
      await context.close();
    }
  });
});

async function consoleMembersOf(orgId: string): Promise<string[]> {
  const rows = await t.db
    .select({ id: members.id })
    .from(members)
    .where(and(eq(members.orgId, orgId), isNull(members.removedAt)));
  return rows.map((r) => r.id);
}
