// The scan page in real headless Chromium at phone size, against the real server on the embedded database.
// Screenshots go to test-results/browser/. Without /usr/bin/chromium the file is skipped, except in CI.
import { eq } from "drizzle-orm";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { lots, recalls } from "../../src/db/schema";
import type { TestApp } from "../app";
import { type Cast, makeCast } from "../factories";
import { browserRig, chromiumPresent, fitsWidth, PHONE, shot } from "./chromium";
import { type Story, seedStory } from "./scenario";

const present = chromiumPresent("browser tests");
/** A tiny picture for the product image, so no test depends on the network. */
const PICTURE = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240"><rect width="320" height="240" fill="#f6a623"/></svg>`;

const rig = browserRig(present);
let t: TestApp;
let cast: Cast;
let base: string;
let browser: Browser;

beforeAll(async () => {
  if (!present) return;
  ({ t, base, browser } = rig);
  cast = await makeCast(t);
}, 60_000);

interface Phone {
  context: BrowserContext;
  page: Page;
  /** Console errors, e.g. a Content-Security-Policy refusal. */
  errors: string[];
}

async function phone(
  options: { javaScript?: boolean; locale?: string; geolocation?: boolean } = {},
): Promise<Phone> {
  const context = await browser.newContext({
    viewport: PHONE,
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: options.locale ?? "zh-CN",
    javaScriptEnabled: options.javaScript ?? true,
    ...(options.geolocation
      ? { geolocation: { latitude: 30.27, longitude: 120.16 }, permissions: ["geolocation"] }
      : {}),
  });
  await context.route("https://img.example.cn/**", (route) =>
    route.fulfill({ status: 200, contentType: "image/svg+xml", body: PICTURE }),
  );
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  return { context, page, errors };
}

/** No horizontal scrolling at 360 px. */
async function fitsPhone(page: Page) {
  expect(await page.evaluate(() => window.innerWidth)).toBe(PHONE.width);
  await fitsWidth(page);
}

describe.skipIf(!present)("scan page in Chromium at 360 px", () => {
  let story: Story;
  beforeAll(async () => {
    story = await seedStory(t, cast, { until: "dispatched" });
  }, 60_000);

  it("shows origin, inspection reports and the timeline, and switches language", {
    timeout: 60_000,
  }, async () => {
    const { context, page, errors } = await phone();
    try {
      const res = await page.goto(`${base}${story.item}`);
      expect(res?.status()).toBe(200);
      await expect.poll(() => page.locator("h1").textContent()).toBe("黄岩蜜橘");
      expect(await page.locator("#origin").textContent()).toContain("浙江省 台州市 黄岩区");
      expect(await page.locator("#inspections").textContent()).toContain("合格");
      expect(await page.locator("#inspections a").getAttribute("href")).toBe(
        `/v1/inspections/${story.inspectionId}/report.pdf`,
      );
      const steps = await page.locator("#timeline li b").allInnerTexts();
      expect(steps).toEqual(["生产赋码", "售出", "发货"]);
      expect(await page.locator("#seller").textContent()).toContain("橘乡网店");
      expect(await page.locator("#scans").textContent()).toContain("此码已被扫描 1 次");
      expect(
        await page.locator("img").evaluate((img: HTMLImageElement) => img.naturalWidth),
      ).toBeGreaterThan(0);
      await fitsPhone(page);
      await shot(page, "item-zh");

      await page.getByRole("link", { name: "English" }).click();
      await page.waitForURL(/lang=en/);
      expect(await page.locator("html").getAttribute("lang")).toBe("en");
      expect(await page.locator("#timeline h2").textContent()).toBe("Chain of custody");
      expect(await page.locator("h1").textContent()).toBe("Huangyan mandarin");
      await fitsPhone(page);
      await shot(page, "item-en");
      expect(errors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("confirms receipt, reviews and complains with the receipt code, without JavaScript", {
    timeout: 60_000,
  }, async () => {
    const { context, page } = await phone({ javaScript: false });
    try {
      await page.goto(`${base}${story.item}?receipt=${story.receiptCode}`);
      await page.getByRole("button", { name: "确认收货" }).click();
      await page.waitForURL(/done=confirmed/);
      expect(await page.locator("#message").textContent()).toContain("已确认收货");
      expect(await page.locator("#timeline").textContent()).toContain("买家确认");

      await page.getByLabel("4 星").check();
      await page.locator("#review-text").fill("橘子很甜，包装完好");
      await page.getByRole("button", { name: "提交评价" }).click();
      await page.waitForURL(/done=reviewed/);
      const reviews = await page.locator("#reviews").textContent();
      expect(reviews).toContain("橘子很甜，包装完好");
      expect(reviews).toContain("★★★★☆");
      expect(reviews).toContain("已验证购买");
      await shot(page, "review-posted");

      // A script tag in a review is refused on the page, and what was typed comes back.
      await page.locator("#follow-text").fill("<script>alert(1)</script>");
      await page.getByRole("button", { name: "提交追加评价" }).click();
      expect(await page.locator("#message").textContent()).toContain("只能填写纯文本");
      expect(await page.locator("#follow-text").inputValue()).toBe("<script>alert(1)</script>");

      await page.locator("summary", { hasText: "投诉" }).click();
      await page.locator("#complaint-category").selectOption("quality");
      await page.locator("#complaint-text").fill("有两个坏果");
      await page.locator("#complaint-contact").fill("13900000000");
      await page.getByRole("button", { name: "提交投诉" }).click();
      await page.waitForURL(/done=complained/);
      expect(await page.locator("#message").textContent()).toContain("投诉已提交");
      await fitsPhone(page);
      await shot(page, "complaint-sent");
      // Without JavaScript the location form stays hidden.
      expect(await page.locator("form[data-geo]").isVisible()).toBe(false);
    } finally {
      await context.close();
    }
  });

  it("shares an approximate location when the user presses the button (JavaScript, CSP-pinned)", {
    timeout: 60_000,
  }, async () => {
    const { context, page, errors } = await phone({ geolocation: true });
    try {
      await page.goto(`${base}${story.item}`);
      const share = page.getByRole("button", { name: "分享位置" });
      await expect.poll(() => share.isVisible()).toBe(true);
      await share.click();
      await page.waitForURL(/done=located/);
      expect(await page.locator("#message").textContent()).toContain("已记录大致位置");
      expect(errors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("shows the red warning for a recalled lot", { timeout: 60_000 }, async () => {
    const recalled = await seedStory(t, cast, { until: "sold", nameZh: "丙类蜜橘" });
    await t.db.update(lots).set({ recalled: true }).where(eq(lots.id, recalled.lot.lotId));
    await t.db.insert(recalls).values({
      id: `rcl_browser_${recalled.lot.lotId}`,
      gtin: recalled.lot.gtin,
      lotIds: [recalled.lot.lotId],
      level: "I",
      reason: "检出农药残留超标",
      instructions: "请停止食用并联系商家退货",
      contacts: "0576-12345678",
      initiatedByOrgId: cast.producer.org.id,
      createdAt: t.clock.now(),
    });
    const { context, page } = await phone();
    try {
      await page.goto(`${base}${recalled.item}`);
      const warning = page.getByRole("alert").first();
      expect(await warning.isVisible()).toBe(true);
      expect(await warning.textContent()).toContain("该批次已被召回");
      expect(await warning.textContent()).toContain("检出农药残留超标");
      // The warning comes first, above the product.
      const [warnTop, productTop] = await Promise.all(
        ["#warning", "#product"].map((s) =>
          page.locator(s).evaluate((e) => e.getBoundingClientRect().top),
        ),
      );
      expect(warnTop!).toBeLessThan(productTop!);
      await fitsPhone(page);
      await shot(page, "recalled");
      const notFound = await page.goto(`${base}/01/${recalled.lot.gtin}/21/NEVERISSUED`);
      expect(notFound?.status()).toBe(404);
      expect(await page.getByRole("alert").textContent()).toContain("此码未在本平台登记");
      await shot(page, "not-registered");
    } finally {
      await context.close();
    }
  });
});
