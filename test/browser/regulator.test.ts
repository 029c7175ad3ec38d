// A market-supervision officer's day in real Chromium, without JavaScript: verify a new shop,
// confirm an alert from its evidence, black-list a seller, and see the seller's credit drop and
// its scan page show the badge.
import { beforeAll, describe, expect, it } from "vitest";
import { alerts } from "../../src/db/schema";
import type { TestApp } from "../app";
import { makeMember, makeOrg } from "../factories";
import { listForSale, seedLot } from "../seed";
import { browserRig, chromiumPresent, deskMessage, deskPerson, logIn, shot } from "./chromium";

const present = chromiumPresent("the regulator's journey");
const rig = browserRig(present);
let t: TestApp;
let base: string;

beforeAll(() => {
  if (present) ({ t, base } = rig);
});

const person = () => deskPerson(rig);
const message = deskMessage;

describe.skipIf(!present)("the regulator in Chromium", () => {
  it("verifies a shop, confirms an alert, black-lists a seller and sees its credit and scan page change", {
    timeout: 180_000,
  }, async () => {
    const bureau = await makeOrg(t, ["regulator"], {
      nameZh: "台州市市场监督管理局",
      regionCode: "331002",
      jurisdiction: "331000",
    });
    const officer = await makeMember(t, bureau.org, { displayName: "陈科长" });
    const newShop = await makeOrg(t, ["seller"], {
      status: "pending",
      regionCode: "331003",
      nameZh: "新开的橘子店",
    });
    const elsewhere = await makeOrg(t, ["seller"], {
      status: "pending",
      regionCode: "330106",
      nameZh: "杭州别家店",
    });
    const producer = await makeOrg(t, ["producer"], { regionCode: "331003" });
    const shady = await makeOrg(t, ["seller"], { regionCode: "331003", nameZh: "刷单小店" });
    const lot = await seedLot(t, producer, { count: 1 });
    await listForSale(t, shady.key, lot.gtin);
    const sold = await t.request("POST", "/v1/events", {
      key: shady.key,
      json: { kind: "sale", items: [lot.items[0]!.key], orderNumber: "SD-1" },
    });
    expect(sold.status).toBe(201);
    const now = t.clock.now();
    await t.db.insert(alerts).values({
      id: "alt_browser_burst",
      kind: "sales_burst",
      severity: "high",
      subjectKey: shady.org.id,
      orgId: shady.org.id,
      evidence: [((await sold.json()) as { event: { id: number } }).event.id],
      details: { buyer: "同一买家", orders: 14 },
      dedupeKey: "alt_browser_burst",
      createdAt: now,
      updatedAt: now,
    });

    const { context, page } = await person();
    try {
      // The scan page before: the seller is not rated yet and on no list.
      await page.goto(`${base}${lot.items[0]!.key}`);
      expect(await page.locator("body").textContent()).toContain("暂无评级");
      expect(await page.locator(".badge.black").count()).toBe(0);

      await logIn(page, base, officer.email, officer.password);
      await page.getByRole("link", { name: "主体核验" }).click();
      expect(await page.getByTestId("jurisdiction").textContent()).toContain("台州市");
      expect(await page.locator("body").textContent()).not.toContain("杭州别家店");
      const row = page.locator(`tr[data-org="${newShop.org.id}"]`);
      await row.getByLabel("改为").selectOption("verified");
      await row.getByLabel("理由").fill("营业执照与食品经营许可证核对无误");
      await row.getByRole("button", { name: "提交" }).click();
      expect(await message(page).textContent()).toContain("已记录决定");
      expect(await page.getByTestId("org-status").textContent()).toContain("已核验");
      expect(await page.locator("table").last().textContent()).toContain(
        "营业执照与食品经营许可证核对无误",
      );
      await shot(page, "regulator-verified");

      await page.getByRole("link", { name: "预警处置" }).click();
      await page
        .locator('tr[data-alert="alt_browser_burst"]')
        .getByRole("link", { name: "查看" })
        .click();
      expect(await page.locator("body").textContent()).toContain("刷单小店");
      expect(await page.locator("tr[data-event]").count()).toBe(1);
      await page.getByLabel("状态").selectOption("confirmed");
      await page.getByLabel("理由").fill("同一买家十四单，查实刷单");
      await page.getByRole("button", { name: "提交" }).click();
      expect(await message(page).textContent()).toContain("已记录处置");
      expect(await page.getByTestId("alert-status").textContent()).toContain("confirmed");

      await page.getByRole("link", { name: "红黑名单" }).click();
      await page.locator("#org").fill(shady.org.uscc!);
      await page.locator("#list").selectOption("black");
      await page.locator("#severity").selectOption("general");
      await page.locator("#listReason").fill("组织虚假交易（刷单）");
      await page.locator("#legalBasis").fill("《中华人民共和国电子商务法》第十七条");
      await page.getByRole("button", { name: "列入名单" }).click();
      expect(await message(page).textContent()).toContain("已列入名单");
      expect(await page.locator("tr[data-list=black]").first().textContent()).toContain("刷单小店");
      await shot(page, "regulator-black-list");

      // The dashboard counts the seller among the graded ones, and its figures are drawn.
      await page.getByRole("link", { name: "监管看板" }).click();
      expect(await page.locator("svg.chart").count()).toBeGreaterThanOrEqual(4);
      expect(await page.locator("tr[data-grade]", { hasText: "刷单小店" }).count()).toBe(1);
      await shot(page, "regulator-dashboard");

      // The scan page after: the black-list badge, and a grade where there was none.
      await page.goto(`${base}${lot.items[0]!.key}`);
      expect(await page.locator(".badge.black").first().textContent()).toContain("组织虚假交易");
      const credit = await page.locator("dd b").allTextContents();
      expect(credit.some((g) => /^[ABCD]$/.test(g.trim()))).toBe(true);
      expect(await page.locator("body").textContent()).not.toContain("暂无评级");
      await shot(page, "regulator-scan-after");
    } finally {
      await context.close();
    }
    expect(elsewhere.org.status).toBe("pending");
  });
});
