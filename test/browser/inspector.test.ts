// The inspector's journey in real Chromium, without JavaScript: a laboratory uploads a failed
// report, the lot's sales are refused at once, the trace explorer shows the lot verified against
// the signed checkpoint, the regulator recalls the lot from there and follows its progress.
import { beforeAll, describe, expect, it } from "vitest";
import { pdfBytes } from "../../src/features/inspections/fixtures";
import type { TestApp } from "../app";
import { makeMember, makeOrg } from "../factories";
import { listForSale, seedLot } from "../seed";
import { browserRig, chromiumPresent, deskMessage, deskPerson, logIn, shot } from "./chromium";

const present = chromiumPresent("the inspector's journey");
const rig = browserRig(present);
let t: TestApp;
let base: string;

beforeAll(() => {
  if (present) ({ t, base } = rig);
});

const person = () => deskPerson(rig);
const message = deskMessage;

describe.skipIf(!present)("the inspector in Chromium", () => {
  it("uploads a failed report, sales are refused, the lot is traced and recalled, and its recall followed", {
    timeout: 180_000,
  }, async () => {
    const producer = await makeOrg(t, ["producer"], { nameZh: "慈溪杨梅食品有限公司" });
    const shop = await makeOrg(t, ["seller"], { nameZh: "杨梅网店" });
    const lab = await makeOrg(t, ["inspector"], { nameZh: "台州市食品检验所" });
    const bureau = await makeOrg(t, ["regulator"], { nameZh: "台州市市场监督管理局" });
    const analyst = await makeMember(t, lab.org, { displayName: "郑检验员" });
    const officer = await makeMember(t, bureau.org, { displayName: "陈科长" });
    const lot = await seedLot(t, producer, { count: 4, nameZh: "杨梅干" });
    await listForSale(t, shop.key, lot.gtin);
    const sold = await t.request("POST", "/v1/events", {
      key: shop.key,
      json: { kind: "sale", items: [lot.items[0]!.key], orderNumber: "YM-1" },
    });
    expect(sold.status).toBe(201);

    const { context, page } = await person();
    try {
      await logIn(page, base, analyst.email, analyst.password);
      await page.getByRole("link", { name: "检验报告" }).click();
      await page.locator("#lot").fill(lot.lotKey);
      await page.locator("#reportNumber").fill("TZJ2026-0601-099");
      await page.locator("#conclusion").selectOption("fail");
      await page.locator("#standards").fill("GB 2760-2024");
      await page.locator("#testItems").fill("苯甲酸, 1.2, ≤0.5, g/kg, 不合格");
      await page.locator("#pdf").setInputFiles({
        name: "report.pdf",
        mimeType: "application/pdf",
        buffer: Buffer.from(pdfBytes("TZJ2026-0601-099")),
      });
      await page.getByRole("button", { name: "上传报告" }).click();
      expect(await message(page).textContent()).toContain("不合格，已标为不合格批次");
      await shot(page, "inspector-failed-report");

      // The shop cannot sell the rest of the lot any more.
      const refused = await t.request("POST", "/v1/events", {
        key: shop.key,
        json: { kind: "sale", items: [lot.items[1]!.key], orderNumber: "YM-2" },
      });
      expect(refused.status).toBe(409);

      await page.locator("tr[data-inspection] a", { hasText: "追溯" }).first().click();
      expect(await page.getByTestId("trace-key").textContent()).toBe(lot.lotKey);
      expect(await page.locator("body").textContent()).toContain("检验不合格");
      expect(await page.getByTestId("checkpoint").textContent()).toContain("签名有效");
      expect(await page.locator('tr[data-verified="ok"]').count()).toBeGreaterThan(0);
      expect(await page.locator('tr[data-verified="bad"]').count()).toBe(0);
      expect(await page.locator("svg.flow").count()).toBe(1);
      const [csv] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("link", { name: "CSV 表格" }).click(),
      ]);
      expect(csv.suggestedFilename()).toMatch(/\.csv$/);
      expect(await page.locator("body").textContent()).toContain("召回由品牌方或监管部门发起");
      await shot(page, "inspector-trace");
    } finally {
      await context.close();
    }

    const officerPage = await person();
    try {
      const p = officerPage.page;
      await logIn(p, base, officer.email, officer.password);
      await p.getByRole("link", { name: "追溯查询" }).click();
      await p.locator("#traceCode").fill(lot.lotKey);
      await p.getByRole("button", { name: "查询" }).click();
      await p.locator("#level").selectOption("I");
      await p.locator("#reason").fill("苯甲酸超标");
      await p.locator("#instructions").fill("立即下架并退回");
      await p.locator("#contacts").fill("0576-88888888");
      await p.getByRole("button", { name: "发起召回" }).click();
      expect(await message(p).textContent()).toContain("召回已发起");
      expect(await p.getByTestId("recall-total").textContent()).toBe("4");
      expect(await p.getByTestId("recall-still").textContent()).toBe("1");
      // A buyer scans the unit they bought and sees the recall; the progress counts it.
      t.clock.advance(60_000);
      const buyer = await person();
      await buyer.page.goto(`${base}${lot.items[0]!.key}`);
      expect(await buyer.page.locator(".warn").first().textContent()).toContain("召回");
      await buyer.context.close();
      await p.reload();
      expect(await p.getByTestId("recall-scanned").textContent()).toContain("扫码 1 次");
      await shot(p, "inspector-recall-progress");
    } finally {
      await officerPage.context.close();
    }
  });
});
