// Reviews and complaints through the JSON API: the happy paths, every bad input, the lockout and the flood limit.
import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { client, seedStory } from "../../../test/browser/scenario";
import { type Cast, makeCast } from "../../../test/factories";
import { alerts, commitments, complaints, events, receiptAttempts, reviews } from "../../db/schema";
import { ProblemSchema } from "../../lib/router";
import { ComplaintReceipt, ReviewPage } from "./schemas";

let t: TestApp;
let cast: Cast;
let n = 0;
beforeAll(async () => {
  t = await createTestApp();
  cast = await makeCast(t);
});
afterAll(() => t.close());

const post = (path: string, json: unknown, who = ++n) =>
  t.request("POST", path, { json, headers: client(who) });
const tally = async () => ({
  reviews: (await t.db.select({ n: count() }).from(reviews))[0]!.n,
  complaints: (await t.db.select({ n: count() }).from(complaints))[0]!.n,
  events: (await t.db.select({ n: count() }).from(events))[0]!.n,
});
async function problem(res: Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/problem\+json/);
  return ProblemSchema.parse(await res.json());
}

describe("reviews", () => {
  it("takes one review and one follow-up per receipt, records them in the ledger, and lists them", async () => {
    const story = await seedStory(t, cast);
    const body = {
      item: story.item,
      receiptCode: story.receiptCode,
      rating: 5,
      text: "橘子很甜，包装完好",
    };
    const res = await post("/v1/reviews", body);
    expect(res.status).toBe(201);
    const stored = (await res.json()) as { id: string; eventId: number };
    const [event] = await t.db.select().from(events).where(eq(events.id, stored.eventId));
    expect(event?.bizStep).toBe("https://ns.zhuisu.org/epcis#review");
    expect(event?.action).toBe("OBSERVE");
    expect(event?.actorOrgId).toBeNull();
    expect(event?.document["zs:rating"]).toBe(5);
    expect(event?.document.epcList).toEqual([`https://id.gs1.org${story.item}`]);
    // The ledger keeps a hash of the text: a review a regulator hides is not kept forever.
    expect(JSON.stringify(event?.document)).not.toContain("橘子很甜");

    const second = await post("/v1/reviews", { ...body, text: "again" });
    expect((await problem(second, 409)).reason).toBe("already_reviewed");
    const follow = await post("/v1/reviews/follow-ups", {
      item: story.item,
      receiptCode: story.receiptCode,
      text: "一周后依然新鲜",
    });
    expect(follow.status).toBe(201);
    const again = await post("/v1/reviews/follow-ups", {
      item: story.item,
      receiptCode: story.receiptCode,
      text: "x",
    });
    expect((await problem(again, 409)).reason).toBe("already_followed_up");

    const page = ReviewPage.parse(
      await (await t.request("GET", `/v1/products/${story.lot.gtin}/reviews`)).json(),
    );
    expect(page.items.map((r) => r.kind).sort()).toEqual(["follow_up", "review"]);
    expect(page.summary).toEqual({ count: 1, average: 5 });
    expect(page.items.every((r) => r.verifiedPurchase)).toBe(true);
  });

  it("omits hidden reviews and pages through the rest", async () => {
    const story = await seedStory(t, cast, { count: 3 });
    await post("/v1/reviews", {
      item: story.item,
      receiptCode: story.receiptCode,
      rating: 4,
      text: "好",
    });
    const extra = await seedStory(t, cast);
    await t.db
      .update(reviews)
      .set({ gtin: story.lot.gtin })
      .where(eq(reviews.gtin, extra.lot.gtin));
    await post("/v1/reviews", {
      item: extra.item,
      receiptCode: extra.receiptCode,
      rating: 2,
      text: "一般",
    });
    await t.db
      .update(reviews)
      .set({ gtin: story.lot.gtin })
      .where(eq(reviews.gtin, extra.lot.gtin));
    const first = ReviewPage.parse(
      await (await t.request("GET", `/v1/products/${story.lot.gtin}/reviews?limit=1`)).json(),
    );
    expect(first.items).toHaveLength(1);
    expect(first.next).not.toBeNull();
    const rest = ReviewPage.parse(
      await (
        await t.request(
          "GET",
          `/v1/products/${story.lot.gtin}/reviews?limit=1&cursor=${first.next}`,
        )
      ).json(),
    );
    expect(rest.items).toHaveLength(1);
    expect(rest.items[0]?.id).not.toBe(first.items[0]?.id);
    await t.db
      .update(reviews)
      .set({ hidden: true, hiddenReason: "含个人信息" })
      .where(eq(reviews.id, first.items[0]!.id));
    const after = ReviewPage.parse(
      await (await t.request("GET", `/v1/products/${story.lot.gtin}/reviews`)).json(),
    );
    expect(after.items.map((r) => r.id)).not.toContain(first.items[0]!.id);
    expect(after.summary.count).toBe(1);
  });

  it("refuses every bad review with a clear problem and writes nothing", async () => {
    const story = await seedStory(t, cast);
    const notYet = await seedStory(t, cast, { until: "dispatched" });
    const good = { item: story.item, receiptCode: story.receiptCode!, rating: 4, text: "不错" };
    const before = await tally();
    const noReceipt = await problem(
      await post("/v1/reviews", { item: story.item, rating: 4, text: "x" }),
      422,
    );
    expect(noReceipt.errors?.[0]?.path).toBe("json.receiptCode");
    const wrong = await problem(
      await post("/v1/reviews", { ...good, receiptCode: "WRONGCODE234" }),
      404,
    );
    expect(wrong.detail).toContain("does not belong");
    expect(wrong.triesLeft).toBe(4);
    const early = await problem(
      await post("/v1/reviews", { ...good, item: notYet.item, receiptCode: notYet.receiptCode }),
      409,
    );
    expect(early.reason).toBe("not_delivered");
    const long = await problem(
      await post("/v1/reviews", { ...good, text: "好".repeat(10_000) }),
      422,
    );
    expect(long.errors?.[0]).toMatchObject({ path: "json.text", code: "too_big" });
    const script = await problem(
      await post("/v1/reviews", { ...good, text: "<script>alert(1)</script>好评" }),
      422,
    );
    expect(script.detail).toContain("plain text");
    expect(
      (await problem(await post("/v1/reviews", { ...good, rating: 6 }), 422)).errors?.[0]?.path,
    ).toBe("json.rating");
    const unknown = await problem(
      await post("/v1/reviews", { ...good, item: `/01/${story.lot.gtin}/21/NOPE` }),
      404,
    );
    expect(unknown.detail).toContain("not registered");
    expect(await tally()).toEqual(before);
    // Twice: the second one is refused and the first one stays alone.
    expect((await post("/v1/reviews", good)).status).toBe(201);
    expect((await problem(await post("/v1/reviews", good), 409)).reason).toBe("already_reviewed");
    const rows = await t.db
      .select()
      .from(reviews)
      .where(eq(reviews.itemId, story.lot.items[0]!.id));
    expect(rows).toHaveLength(1);
  });

  it("keeps one review when two arrive for one receipt at the same moment", async () => {
    const story = await seedStory(t, cast);
    const body = { item: story.item, receiptCode: story.receiptCode, rating: 3, text: "同时" };
    const results = await Promise.all([1, 2, 3].map(() => post("/v1/reviews", body)));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
  });
});

describe("receipt-code lockout", () => {
  it("locks an item after 5 wrong codes in 15 minutes, even for the right code, then lets it go", async () => {
    const story = await seedStory(t, cast);
    const good = { item: story.item, receiptCode: story.receiptCode!, rating: 5, text: "好" };
    for (let i = 0; i < 5; i++) {
      expect((await post("/v1/reviews", { ...good, receiptCode: `WRONG${i}ABCDEF` })).status).toBe(
        404,
      );
    }
    const locked = await post("/v1/reviews", good);
    const body = await problem(locked, 429);
    expect(body.reason).toBe("item_locked");
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(800);
    // The JSON confirmation of the events feature is behind the same lock.
    expect(
      (await post("/v1/receipts/confirm", { item: story.item, receiptCode: story.receiptCode }))
        .status,
    ).toBe(429);
    t.clock.advance(15 * 60_000 + 1_000);
    expect((await post("/v1/reviews", good)).status).toBe(201);
  });

  it("serialises parallel guesses: exactly five count, the rest are refused", async () => {
    const story = await seedStory(t, cast, { until: "dispatched" });
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        post("/v1/receipts/confirm", { item: story.item, receiptCode: `GUESS${i}ABCDEF` }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 404)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
    const attempts = await t.db
      .select({ n: count() })
      .from(receiptAttempts)
      .where(eq(receiptAttempts.itemId, story.lot.items[0]!.id));
    expect(attempts[0]?.n).toBe(5);
  });

  it("locks a client that tries wrong codes across many items", async () => {
    const story = await seedStory(t, cast, { count: 6, until: "commissioned" });
    const guesser = ++n;
    const guess = (i: number) =>
      t.request("POST", "/v1/receipts/confirm", {
        json: { item: story.lot.items[i % 5]!.key, receiptCode: `CLIENT${i}ABCDE` },
        headers: client(guesser),
      });
    // 20 wrong codes, 4 per item (no item is locked), a minute apart (the write limit refills).
    for (let i = 0; i < 20; i++) {
      expect((await guess(i)).status).toBe(404);
      t.clock.advance(61_000);
    }
    const locked = await t.request("POST", "/v1/receipts/confirm", {
      json: { item: story.lot.items[5]!.key, receiptCode: "CLIENTXXABCDE" },
      headers: client(guesser),
    });
    expect((await problem(locked, 429)).reason).toBe("client_locked");
    // Another client may still try that item.
    expect(
      (
        await post("/v1/receipts/confirm", {
          item: story.lot.items[5]!.key,
          receiptCode: "OTHERABCDEFG",
        })
      ).status,
    ).toBe(404);
  });
});

describe("complaints", () => {
  it("routes a complaint with a receipt to the seller, keeping text and contact out of the ledger", async () => {
    const story = await seedStory(t, cast, { until: "sold" });
    const res = await post("/v1/complaints", {
      item: story.item,
      receiptCode: story.receiptCode,
      category: "not_as_described",
      text: "收到的是小果，不是描述的大果",
      contact: "13800000000",
    });
    expect(res.status).toBe(201);
    const filed = ComplaintReceipt.parse(await res.json());
    expect(filed).toMatchObject({
      routedTo: "seller",
      sellerOrgId: cast.seller.org.id,
      status: "open",
    });
    const [event] = await t.db.select().from(events).where(eq(events.id, filed.eventId!));
    expect(event?.bizStep).toBe("https://ns.zhuisu.org/epcis#complaint");
    expect(JSON.stringify(event?.document)).not.toMatch(/13800000000|小果/);
    const [row] = await t.db.select().from(complaints).where(eq(complaints.id, filed.id));
    expect(row?.contact).toBe("13800000000");
    expect(row?.receiptId).not.toBeNull();
  });

  it("takes an anonymous report for a regulator, even about a code that is not registered", async () => {
    const res = await post("/v1/complaints", {
      item: "/01/06901234567892/21/FAKE123",
      sellerOrgId: cast.seller.org.id,
      category: "counterfeit",
      text: "扫码显示未登记",
    });
    const filed = ComplaintReceipt.parse(await res.json());
    expect(filed).toMatchObject({
      routedTo: "regulator",
      eventId: null,
      itemKey: "/01/06901234567892/21/FAKE123",
    });
    const bare = ComplaintReceipt.parse(
      await (await post("/v1/complaints", { category: "price", text: "虚假原价" })).json(),
    );
    expect(bare).toMatchObject({ routedTo: "regulator", sellerOrgId: null, itemKey: null });
  });

  it("raises a commitment_violation alert when the complaint names a commitment", async () => {
    const story = await seedStory(t, cast, { until: "sold" });
    const commitmentId = `cmt_${++n}`;
    await t.db
      .update(commitments)
      .set({ current: false })
      .where(eq(commitments.orgId, cast.seller.org.id));
    await t.db.insert(commitments).values({
      id: commitmentId,
      orgId: cast.seller.org.id,
      version: 100 + n,
      body: {
        quality: "正品",
        priceHonesty: "明码标价",
        logistics: "48小时发货",
        afterSales: { noReasonReturnDays: 7, firstCompensation: true, responseHours: 24 },
      },
      publishedAt: t.clock.now(),
    });
    const res = await post("/v1/complaints", {
      item: story.item,
      receiptCode: story.receiptCode,
      category: "delivery",
      text: "承诺48小时发货，五天未发",
      commitmentId,
    });
    const filed = ComplaintReceipt.parse(await res.json());
    const [alert] = await t.db
      .select()
      .from(alerts)
      .where(and(eq(alerts.kind, "commitment_violation"), eq(alerts.orgId, cast.seller.org.id)));
    expect(alert?.details).toMatchObject({ complaintId: filed.id, commitmentId });
    expect(alert?.evidence).toEqual([filed.eventId]);
    const other = await post("/v1/complaints", {
      sellerOrgId: cast.producer.org.id,
      category: "delivery",
      text: "x",
      commitmentId,
    });
    expect((await problem(other, 422)).errors?.[0]?.path).toBe("json.commitmentId");
  });

  it("refuses bad complaints and a flood from one client, writing nothing", async () => {
    const before = await tally();
    expect((await post("/v1/complaints", { category: "nonsense", text: "x" })).status).toBe(422);
    expect((await post("/v1/complaints", { category: "other", text: "<b>x</b>" })).status).toBe(
      422,
    );
    expect(
      (await post("/v1/complaints", { category: "other", text: "x".repeat(2001) })).status,
    ).toBe(422);
    expect(
      (await post("/v1/complaints", { receiptCode: "ABCDEFGHJKMN", category: "other", text: "x" }))
        .status,
    ).toBe(422);
    expect(
      (await post("/v1/complaints", { sellerOrgId: "org_nobody", category: "other", text: "x" }))
        .status,
    ).toBe(422);
    expect(await tally()).toEqual(before);
    const flooder = ++n;
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await post("/v1/complaints", { category: "other", text: `第${i}条` }, flooder);
      statuses.push(res.status);
      if (res.status === 429) expect(res.headers.get("retry-after")).toBeTruthy();
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429, 429]);
    expect((await tally()).complaints).toBe(before.complaints + 5);
  });
});
