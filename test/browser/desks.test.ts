// Each role's day at its desk in real Chromium, without JavaScript: a producer registers a product,
// a lot, commissions items, prints labels and recalls; a shop records sales by scanner and by file
// and hands out receipt codes; a courier dispatches by scanner and sees the alert it raised.
import { readFile } from "node:fs/promises";
import type { BrowserContext, Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { makeGtin13, toGtin14 } from "../../src/features/products/fixtures";
import type { TestApp } from "../app";
import { makeMember, makeOrg } from "../factories";
import { decodeBarcode } from "../helpers/decode-barcode";
import { cropMm, PDFTOPPM, pdfPagesAsPng } from "../helpers/pdf-pages";
import { requiredTool } from "../helpers/required-tool";
import { listForSale, type SeededLot, seedLot } from "../seed";
import { browserRig, chromiumPresent, DESKTOP, fitsWidth, logIn, PHONE, shot } from "./chromium";

const present = chromiumPresent("console desk journeys");
const poppler = requiredTool(
  PDFTOPPM,
  "decoding the labels downloaded at the producer's desk",
  "apt-get install poppler-utils",
);
const rig = browserRig(present);
let t: TestApp;
let base: string;

beforeAll(() => {
  if (present) ({ t, base } = rig);
});

async function person(viewport = PHONE): Promise<{ context: BrowserContext; page: Page }> {
  const context = await rig.browser.newContext({
    viewport,
    locale: "zh-CN",
    javaScriptEnabled: false,
    acceptDownloads: true,
  });
  return { context, page: await context.newPage() };
}

const message = (page: Page) => page.locator("main [role=alert], main [role=status]").first();

async function logOut(page: Page) {
  await page.getByRole("button", { name: "退出" }).first().click();
  await page.waitForURL(`${base}/console/login`);
}

/** A producer's shop lists a lot and the producer's items are there to sell. */
async function listedLot(
  seller: { key: string },
  producer: Awaited<ReturnType<typeof makeOrg>>,
  count: number,
  netWeightGrams = 2500,
) {
  const lot = await seedLot(t, producer, { count, netWeightGrams });
  await listForSale(t, seller.key, lot.gtin);
  return lot;
}

describe.skipIf(!present)("desks in Chromium", () => {
  it("a producer registers a product and a lot, commissions items, prints labels, recalls the lot, logs out", {
    timeout: 180_000,
  }, async () => {
    const producer = await makeOrg(t, ["producer"], { nameZh: "黄岩蜜橘合作社" });
    const m = await makeMember(t, producer.org, { displayName: "林社长" });
    const { context, page } = await person();
    try {
      await logIn(page, base, m.email, m.password);
      await page.getByRole("link", { name: "商品与批次" }).click();
      const gtin = toGtin14(makeGtin13());
      await page.locator("#gtin").fill(gtin);
      await page.locator("#category").selectOption("edible_agricultural");
      await page.locator("#nameZh").fill("涌泉蜜橘");
      await page.locator("#specification").fill("5 kg/箱");
      await page.locator("#shelfLifeDays").fill("30");
      await page.locator("#originRegion").fill("331082");
      await fitsWidth(page);
      await page.getByRole("button", { name: "登记商品" }).click();
      expect(await message(page).textContent()).toContain("商品已登记");

      await page.locator("#lot").fill("HY20261203");
      await page.locator("#productionDate").fill("2026-12-01");
      await page.getByRole("button", { name: "登记批次" }).click();
      expect(await message(page).textContent()).toContain("批次已登记");

      await page.locator("#count").fill("20");
      await page.getByRole("button", { name: "生成" }).click();
      expect(await message(page).textContent()).toContain("已生成 20 个单件码");
      expect(await page.locator("progress").last().getAttribute("value")).toBe("20");
      await page.getByRole("link", { name: "返回批次" }).click();
      expect(await page.getByTestId("item-count").textContent()).toBe("20");
      await fitsWidth(page);
      await shot(page, "desk-producer-lot");

      // Labels for a roll printer: the QR on the first label is the first item's Digital Link.
      await page.locator("#stock").selectOption("roll-50x30");
      await page.locator("#limit").fill("2");
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("button", { name: "下载" }).click(),
      ]);
      const pdf = new Uint8Array(await readFile((await download.path())!));
      expect(Buffer.from(pdf.slice(0, 5)).toString()).toBe("%PDF-");
      const firstSerial = await page.locator("tr[data-serial]").first().getAttribute("data-serial");
      if (poppler) {
        const [label] = await pdfPagesAsPng(pdf, 300, 1);
        const whole = cropMm(label!, 300, { xMm: 0, yMm: 0, widthMm: 50, heightMm: 30 });
        const decoded = decodeBarcode(whole, { formats: ["qr"] });
        expect(decoded.text).toContain(`/01/${gtin}/10/HY20261203/21/${firstSerial}`);
      }

      // A recall of the lot shows on its scan page at once.
      await page.locator("details summary", { hasText: "召回" }).last().click();
      await page.locator("#reason").fill("农残超标");
      await page.locator("#instructions").fill("请停止食用，联系店铺退货");
      await page.locator("#contacts").fill("400-000-0000");
      await page.getByRole("button", { name: "发起召回" }).click();
      expect(await message(page).textContent()).toContain("召回已发起");
      await page.getByRole("link", { name: "扫码页" }).first().click();
      expect(await page.locator("body").textContent()).toContain("召回");
      await page.goto(`${base}/console`);
      await logOut(page);
    } finally {
      await context.close();
    }
  });

  it("a shop records a listing and a sale by scanner, a day's orders by file, hands out receipt codes, sees its credit, logs out", {
    timeout: 180_000,
  }, async () => {
    const producer = await makeOrg(t, ["producer"]);
    const shop = await makeOrg(t, ["seller"], { nameZh: "橘乡网店" });
    const m = await makeMember(t, shop.org, { displayName: "赵店长" });
    const lot: SeededLot = await seedLot(t, producer, { count: 4 });
    const { context, page } = await person(DESKTOP);
    try {
      await logIn(page, base, m.email, m.password);
      await page.getByRole("link", { name: "销售" }).click();
      await page.locator("#listingCode").fill(lot.gtin);
      await page.locator("#shopName").fill("橘乡网店");
      await page.locator("#listingPrice").fill("39.9");
      await page.locator("#listingUrl").fill("https://shop.example.cn/item/1");
      await page.getByRole("button", { name: "登记在售商品" }).click();
      expect(await message(page).textContent()).toContain("在售登记已记录");
      // A USB scanner types each code and Enter into the field.
      await page.locator("#items").click();
      await page.keyboard.type(`${lot.items[0]!.key}\n${lot.items[1]!.key}\n`);
      await page.locator("#orderNumber").fill("TB-0001");
      await page.getByRole("button", { name: "登记销售" }).click();
      expect(await message(page).textContent()).toContain("已写入 2");
      const codes = await page.getByTestId("receipt-code").allTextContents();
      expect(codes).toHaveLength(2);
      const [csv] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("link", { name: "下载收货码（CSV）" }).click(),
      ]);
      const text = await readFile((await csv.path())!, "utf8");
      for (const code of codes) expect(text).toContain(code.trim());
      await shot(page, "desk-seller-slip");

      // The rest of the day's orders, from the shop's export.
      await page.getByRole("link", { name: "销售" }).click();
      await page.locator("#file").setInputFiles({
        name: "orders.csv",
        mimeType: "text/csv",
        buffer: Buffer.from(
          `订单号,单件码,买家\nTB-0002,${lot.items[2]!.key},u2\nTB-0003,${lot.items[3]!.key},u3\n`,
        ),
      });
      await page.getByRole("button", { name: "预览" }).click();
      expect(await message(page).textContent()).toContain("全部 2 行检查通过");
      await page.getByRole("button", { name: "全部提交" }).click();
      expect(await message(page).textContent()).toContain("已写入 2 行（2 个事件）");
      expect(await page.getByTestId("receipt-code").count()).toBe(2);

      // A receipt code works for the buyer on the scan page.
      const link = await page.locator("td a").first().getAttribute("href");
      expect(link).toContain("?receipt=");

      // TB-0003 was keyed in by mistake: declared from the recent list, it stays there, marked.
      await page.getByRole("link", { name: "销售" }).click();
      const row = page.locator("tr", { hasText: "TB-0003" });
      await row.getByText("登记有误？").click();
      await row.getByLabel("原因").selectOption("did_not_occur");
      await row.getByLabel("说明（消费者和监管部门可见）").fill("顾客未下单");
      await row.getByRole("button", { name: "声明更正" }).click();
      expect(await message(page).textContent()).toContain("已声明更正");
      expect(await page.locator("tr", { hasText: "TB-0003" }).textContent()).toContain("已更正");
      const scan = await context.newPage();
      await scan.goto(`${base}${lot.items[3]!.key}`);
      expect(await scan.locator("li.corrected").textContent()).toContain("顾客未下单");
      await scan.close();

      await page.getByRole("link", { name: "信用" }).click();
      expect(await page.getByTestId("grade").textContent()).not.toBe("");
      await logOut(page);
    } finally {
      await context.close();
    }
  });

  it("a courier dispatches by scanner, signs off, sees the alerts its records raised, logs out", {
    timeout: 180_000,
  }, async () => {
    const producer = await makeOrg(t, ["producer"]);
    const shop = await makeOrg(t, ["seller"]);
    const courier = await makeOrg(t, ["logistics"], { nameZh: "顺路快递" });
    const m = await makeMember(t, courier.org, { displayName: "钱站长" });
    const lot = await listedLot(shop, producer, 2, 2500);
    const sold = await t.request("POST", "/v1/events", {
      key: shop.key,
      json: { kind: "sale", items: lot.items.map((i) => i.key), orderNumber: "TB-9" },
    });
    expect(sold.status).toBe(201);
    const { context, page } = await person();
    try {
      await logIn(page, base, m.email, m.password);
      await page.getByRole("link", { name: "发货与签收" }).click();
      await page.locator("#dispatch").click();
      await page.keyboard.type(`${lot.items[0]!.key}\n${lot.items[1]!.key}\n`);
      await page.locator("#waybill").fill("SF0001");
      await page.locator("#parcelWeightGrams").fill("30");
      await page.locator("#destinationRegion").fill("330106");
      await fitsWidth(page);
      await page.getByRole("button", { name: "登记发货" }).click();
      expect(await message(page).textContent()).toContain("已登记发货：2 件");
      // Signed off a minute later, 331003 to 330106: faster than any parcel travels.
      await page.locator("#sign_off").click();
      await page.keyboard.type(`${lot.items[0]!.key}\n${lot.items[1]!.key}\n`);
      await page.locator("#signOffWaybill").fill("SF0001");
      await page.getByRole("button", { name: "登记签收" }).click();
      expect(await message(page).textContent()).toContain("已登记签收：2 件");
      expect(await page.locator("main").textContent()).toContain("SF0001");
      await page.getByRole("link", { name: "预警" }).click();
      expect(await page.locator('tr[data-kind="empty_parcel"]').count()).toBe(1);
      expect(await page.locator('tr[data-kind="impossible_transit"]').count()).toBe(1);
      await shot(page, "desk-carrier-alerts");
      await logOut(page);
    } finally {
      await context.close();
    }
  });
});
