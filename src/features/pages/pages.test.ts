// The scan page as HTML: escaping of hostile data, the size budget, and the forms working without JavaScript.
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { client, seedStory } from "../../../test/browser/scenario";
import { type Cast, makeCast, makeOrg } from "../../../test/factories";
import {
  complaints,
  events,
  items,
  listEntries,
  orgs,
  products,
  receipts,
  reviews,
} from "../../db/schema";
import { pickLang } from "./i18n";

let t: TestApp;
let cast: Cast;
let n = 0;
beforeAll(async () => {
  t = await createTestApp();
  cast = await makeCast(t);
});
afterAll(() => t.close());

const page = async (path: string, who = ++n, headers: Record<string, string> = {}) => {
  const res = await t.request("GET", path, { headers: { ...client(who), ...headers } });
  return { res, html: await res.text() };
};
const submit = (path: string, form: Record<string, string>, who = ++n) =>
  t.request("POST", path, {
    body: new URLSearchParams(form),
    headers: { ...client(who), "Content-Type": "application/x-www-form-urlencoded" },
  });
const tally = async () => ({
  reviews: (await t.db.select({ n: count() }).from(reviews))[0]!.n,
  complaints: (await t.db.select({ n: count() }).from(complaints))[0]!.n,
  events: (await t.db.select({ n: count() }).from(events))[0]!.n,
});

describe("language", () => {
  it("picks zh by default, en when the browser prefers it, and the switch over both", () => {
    expect(pickLang(undefined, undefined)).toBe("zh");
    expect(pickLang(undefined, "fr-FR,fr;q=0.9")).toBe("zh");
    expect(pickLang(undefined, "en-US,en;q=0.9")).toBe("en");
    expect(pickLang(undefined, "fr,en;q=0.8,zh-CN;q=0.9")).toBe("zh");
    expect(pickLang(undefined, "zh-TW;q=0.2,en;q=0.5")).toBe("en");
    expect(pickLang("zh", "en")).toBe("zh");
    expect(pickLang("de", "en")).toBe("en");
  });
});

describe("escaping", () => {
  it("escapes hostile product, shop and review text everywhere on the page", async () => {
    const hostile = `<script>alert("p")</script><img src=x onerror=alert(1)>`;
    const shop = await makeOrg(t, ["seller"], { nameZh: `"><svg onload=alert('shop')>` });
    const story = await seedStory(t, { ...cast, seller: shop }, { nameZh: hostile });
    await t.db
      .update(products)
      .set({
        specification: "</style><script>alert(2)</script>",
        imageUrl: `https://x.cn/a.jpg" onerror="alert(3)`,
      })
      .where(eq(products.gtin, story.lot.gtin));
    await t.db
      .update(orgs)
      .set({ licences: [{ kind: "<b>k</b>", number: "<i>n</i>" }] })
      .where(eq(orgs.id, shop.org.id));
    await t.db.insert(listEntries).values({
      id: `le_${++n}`,
      orgId: shop.org.id,
      list: "black",
      reason: "<script>alert('list')</script>",
      legalBasis: "x",
      authority: "<b>auth</b>",
      severity: "serious",
      listedOn: "2026-05-01",
      minPublishUntil: "2027-05-01",
      maxPublishUntil: "2029-05-01",
      decidedByOrgId: cast.regulator.org.id,
      createdAt: t.clock.now(),
    });
    // Text that reached the database by another road (an import, a seller's reply) is escaped too.
    const [receipt] = await t.db
      .select({ id: receipts.id })
      .from(receipts)
      .where(eq(receipts.itemId, story.lot.items[0]!.id));
    await t.db.insert(reviews).values({
      id: `rev_hostile_${n}`,
      receiptId: receipt!.id,
      kind: "review",
      itemId: story.lot.items[0]!.id,
      gtin: story.lot.gtin,
      sellerOrgId: shop.org.id,
      rating: 1,
      text: `</textarea><script>alert("review")</script>`,
      sellerReply: `<a href="javascript:alert(4)">x</a>`,
      createdAt: t.clock.now(),
    });
    const { html } = await page(
      `${story.item}?receipt=${story.receiptCode}&lang=%22%3E%3Cscript%3Ealert(5)%3C/script%3E`,
    );
    // The one script on the page is our own, pinned by its hash in the CSP.
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).not.toMatch(
      /<svg|<img src=x|onerror="alert|<b>k|<b>auth|<i>n|javascript:alert\(4\)">/,
    );
    expect(html).toContain("&lt;script&gt;alert(&quot;p&quot;)&lt;/script&gt;");
    expect(html).toContain("&quot;&gt;&lt;svg onload=alert(&#39;shop&#39;)&gt;");
    expect(html).toContain("&lt;/textarea&gt;&lt;script&gt;");
    expect(html).toContain("黑名单");
  });
});

describe("size", () => {
  it("keeps a full demo item page under 30 KB of HTML and CSS", async () => {
    const story = await seedStory(t, cast);
    await submit(`${story.item}/review`, {
      receipt: story.receiptCode!,
      rating: "5",
      text: "橘子很甜，包装完好，物流很快。".repeat(8),
    });
    await submit(`${story.item}/follow-up`, {
      receipt: story.receiptCode!,
      text: "一周后依然新鲜。".repeat(8),
    });
    const { html } = await page(`${story.item}?receipt=${story.receiptCode}`);
    const bytes = new TextEncoder().encode(html).length;
    console.info(`scan page: ${bytes} bytes of HTML with inlined CSS`);
    expect(bytes).toBeLessThan(30_000);
  });
});

describe("receipt forms without JavaScript", () => {
  it("confirms, reviews, follows up and complains, each answering 303 back to the page", async () => {
    const story = await seedStory(t, cast, { until: "dispatched" });
    const code = story.receiptCode!;
    const before = await page(`${story.item}?receipt=${code}`);
    expect(before.html).toContain(`action="${story.item}/confirm"`);
    expect(before.html).not.toContain(`action="${story.item}/review"`);
    const confirmed = await submit(`${story.item}/confirm`, { receipt: code, lang: "zh" });
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.get("location")).toBe(
      `${story.item}?receipt=${code}&lang=zh&done=confirmed#message`,
    );
    const [item] = await t.db.select().from(items).where(eq(items.id, story.lot.items[0]!.id));
    expect(item?.state).toBe("delivered");
    const after = await page(`${story.item}?receipt=${code}&lang=zh&done=confirmed`);
    expect(after.html).toContain("已确认收货");
    expect(after.html).not.toContain(`action="${story.item}/confirm"`);
    expect(after.html).toContain(`action="${story.item}/review"`);

    expect(
      (await submit(`${story.item}/review`, { receipt: code, rating: "4", text: "好吃不贵" }))
        .status,
    ).toBe(303);
    const reviewed = await page(`${story.item}?receipt=${code}&lang=en`);
    expect(reviewed.html).toContain("好吃不贵");
    expect(reviewed.html).toContain("★★★★☆");
    expect(reviewed.html).toContain(`action="${story.item}/follow-up"`);
    expect(
      (await submit(`${story.item}/follow-up`, { receipt: code, text: "追加：很新鲜" })).status,
    ).toBe(303);
    const complained = await submit(`${story.item}/complain`, {
      receipt: code,
      category: "quality",
      text: "有两个坏果",
      contact: "13900000000",
    });
    expect(complained.status).toBe(303);
    expect(complained.headers.get("location")).toContain("done=complained");
    const [row] = await t.db
      .select()
      .from(complaints)
      .where(eq(complaints.sellerOrgId, cast.seller.org.id));
    expect(row?.contact).toBe("13900000000");
  });

  it("refuses bad forms with the reason on the page, keeping what was typed, and writes nothing", async () => {
    const story = await seedStory(t, cast);
    const early = await seedStory(t, cast, { until: "dispatched" });
    const code = story.receiptCode!;
    const before = await tally();
    const cases: [string, Record<string, string>, number, string][] = [
      [`${story.item}/review`, { rating: "5", text: "x" }, 422, "请填写收货码"],
      [
        `${story.item}/review`,
        { receipt: "WRONGCODE234", rating: "5", text: "x" },
        404,
        "收货码不正确",
      ],
      [
        `${early.item}/review`,
        { receipt: early.receiptCode!, rating: "5", text: "x" },
        409,
        "请先确认收货",
      ],
      [
        `${story.item}/review`,
        { receipt: code, rating: "5", text: "长".repeat(10_000) },
        422,
        "内容太长",
      ],
      [
        `${story.item}/review`,
        { receipt: code, rating: "5", text: "<script>alert(1)</script>" },
        422,
        "只能填写纯文本",
      ],
      [`${story.item}/review`, { receipt: code, rating: "9", text: "好" }, 422, "请选择 1 到 5 星"],
      [`${story.item}/follow-up`, { receipt: code, text: "先追加" }, 409, "请先评价"],
      [
        `${story.item}/complain`,
        { receipt: code, category: "nonsense", text: "x" },
        422,
        "填写的内容有误",
      ],
    ];
    for (const [path, form, status, message] of cases) {
      const res = await submit(path, { lang: "zh", ...form });
      const html = await res.text();
      expect(res.status, `${path} ${JSON.stringify(form).slice(0, 60)}`).toBe(status);
      expect(res.headers.get("content-type")).toMatch(/text\/html/);
      expect(html).toContain(message);
    }
    expect(await tally()).toEqual(before);
    // The typed text comes back (escaped) so nothing is lost.
    const kept = await (
      await submit(`${story.item}/review`, { receipt: code, rating: "5", text: "<b>粗体</b>好评" })
    ).text();
    expect(kept).toContain("&lt;b&gt;粗体&lt;/b&gt;好评");
    // Twice for one receipt: the second is refused on the page.
    expect(
      (await submit(`${story.item}/review`, { receipt: code, rating: "5", text: "好" })).status,
    ).toBe(303);
    const twice = await submit(`${story.item}/review`, {
      receipt: code,
      rating: "5",
      text: "再来",
    });
    expect(twice.status).toBe(409);
    expect(await twice.text()).toContain("此订单已评价");
    expect((await tally()).reviews).toBe(before.reviews + 1);
  });

  it("locks the forms after too many wrong codes and refuses a complaint flood, on the page", async () => {
    const story = await seedStory(t, cast);
    for (let i = 0; i < 5; i++)
      await submit(`${story.item}/confirm`, { receipt: `BAD${i}CODEXYZ` });
    const locked = await submit(`${story.item}/confirm`, { receipt: story.receiptCode! });
    expect(locked.status).toBe(429);
    expect(locked.headers.get("retry-after")).toBeTruthy();
    expect(await locked.text()).toContain("此件已暂时锁定");
    const viewing = await page(`${story.item}?receipt=${story.receiptCode}`);
    expect(viewing.html).toContain("此件已暂时锁定");
    expect(viewing.html).not.toContain(`action="${story.item}/review"`);

    const other = await seedStory(t, cast, { until: "sold" });
    const flooder = ++n;
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await submit(
        `${other.item}/complain`,
        { receipt: other.receiptCode!, category: "other", text: `第${i}次` },
        flooder,
      );
      statuses.push(res.status);
      if (res.status === 429) expect(await res.text()).toContain("请求太频繁");
    }
    expect(statuses).toEqual([303, 303, 303, 303, 303, 429, 429]);
  });

  it("answers an unknown action or a non-item with 404", async () => {
    const story = await seedStory(t, cast, { until: "commissioned" });
    expect((await submit(`${story.item}/delete`, {})).status).toBe(404);
    expect((await submit(`${story.lot.lotKey}/confirm`, { receipt: "X" })).status).toBe(404);
    expect((await submit(`/01/${story.lot.gtin}/21/NOPE/confirm`, { receipt: "X" })).status).toBe(
      404,
    );
  });
});
