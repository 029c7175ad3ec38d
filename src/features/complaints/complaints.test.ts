// Complaint handling end to end: who sees what, the seller's answer and its timing, the regulator's decision; review hiding.
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { type Cast, makeCast, makeOrg, type OrgWithKey } from "../../../test/factories";
import { seedLot } from "../../../test/seed";
import { alerts, commitments, reviews } from "../../db/schema";
import { CreditView } from "../credit/schemas";
import {
  call,
  complaintRow,
  dispatch,
  insertComplaint,
  insertReviews,
  listLot,
  openReceipts,
  sell,
  signOff,
} from "../credit/trade.fixtures";
import { ComplaintPage, ComplaintView, ModeratedReview } from "./schemas";

let t: TestApp;
let cast: Cast;
beforeAll(async () => {
  t = await createTestApp();
  cast = await makeCast(t);
});
afterAll(() => t.close());

const HOUR = 3_600_000;

/** A seller with one sold and delivered item, and its open receipt. */
async function sale(seller: OrgWithKey) {
  const lot = await seedLot(t, cast.producer, { count: 1 });
  await listLot(t, seller, lot);
  await sell(t, seller, [lot.items[0]!.key], "buyer-1");
  await dispatch(t, cast.producer, cast.logistics, [lot.items[0]!.key]);
  t.clock.advance(24 * HOUR);
  await signOff(t, cast.logistics, [lot.items[0]!.key]);
  const [receipt] = await openReceipts(t, [lot.items[0]!.id]);
  return { lot, receipt: receipt! };
}

describe("who sees a complaint", () => {
  it("shows a seller its own complaints and anonymous reports about it, regulators everything", async () => {
    const seller = await makeOrg(t, ["seller"]);
    const { receipt } = await sale(seller);
    const withReceipt = await insertComplaint(t, {
      sellerOrgId: seller.org.id,
      receiptId: receipt.id,
      contact: "138****0000",
    });
    const anonymous = await insertComplaint(t, { sellerOrgId: seller.org.id });
    const untriaged = await insertComplaint(t, { sellerOrgId: null });

    const own = ComplaintPage.parse((await call(t, "GET", "/v1/complaints", seller.key)).body);
    expect(own.items.map((c) => c.id).sort()).toEqual([withReceipt, anonymous].sort());
    expect(own.items.find((c) => c.id === withReceipt)).toMatchObject({
      withReceipt: true,
      contact: "138****0000",
    });

    const anonymousOnly = ComplaintPage.parse(
      (await call(t, "GET", "/v1/complaints?anonymous=true", seller.key)).body,
    );
    expect(anonymousOnly.items.map((c) => c.id)).toEqual([anonymous]);

    const regulator = ComplaintPage.parse(
      (await call(t, "GET", "/v1/complaints?limit=200", cast.regulator.key)).body,
    );
    expect(regulator.items.map((c) => c.id)).toEqual(
      expect.arrayContaining([withReceipt, anonymous, untriaged]),
    );

    expect((await call(t, "GET", `/v1/complaints/${withReceipt}`, cast.seller.key)).status).toBe(
      404,
    );
    expect((await call(t, "GET", `/v1/complaints/${untriaged}`, seller.key)).status).toBe(404);
    expect((await call(t, "GET", "/v1/complaints")).status).toBe(401);
  });
});

describe("the seller's answer", () => {
  it("is measured from filing to first answer, and given once", async () => {
    const seller = await makeOrg(t, ["seller"]);
    const id = await insertComplaint(t, { sellerOrgId: seller.org.id });
    t.clock.advance(5 * HOUR);
    const answered = await call(t, "POST", `/v1/complaints/${id}/answer`, seller.key, {
      text: "已补发，并致歉",
    });
    expect(answered.status).toBe(200);
    expect(ComplaintView.parse(answered.body)).toMatchObject({
      status: "answered",
      timeToAnswerHours: 5,
      answer: { text: "已补发，并致歉" },
    });
    expect(
      (await call(t, "POST", `/v1/complaints/${id}/answer`, seller.key, { text: "再答" })).status,
    ).toBe(409);
  });

  it("is the seller's alone", async () => {
    const seller = await makeOrg(t, ["seller"]);
    const id = await insertComplaint(t, { sellerOrgId: seller.org.id });
    expect(
      (await call(t, "POST", `/v1/complaints/${id}/answer`, cast.seller.key, { text: "代答" }))
        .status,
    ).toBe(404);
    expect(
      (await call(t, "POST", `/v1/complaints/${id}/answer`, cast.regulator.key, { text: "代答" }))
        .status,
    ).toBe(403);
    expect((await complaintRow(t, id)).answeredAt).toBeNull();
  });
});

describe("the regulator's decision", () => {
  it("is refused to anyone else with a 403 problem, writing nothing", async () => {
    const seller = await makeOrg(t, ["seller"]);
    const id = await insertComplaint(t, { sellerOrgId: seller.org.id });
    for (const caller of [seller, cast.inspector]) {
      const res = await call(t, "POST", `/v1/complaints/${id}/decision`, caller.key, {
        decision: "rejected",
        reason: "无理投诉",
      });
      expect(res.status).toBe(403);
      expect(res.contentType).toMatch(/problem\+json/);
    }
    expect(await complaintRow(t, id)).toMatchObject({
      status: "open",
      decidedAt: null,
      decisionReason: null,
    });
  });

  it("is taken once: a second decision is a 409 and changes nothing", async () => {
    const seller = await makeOrg(t, ["seller"]);
    const id = await insertComplaint(t, { sellerOrgId: seller.org.id });
    const upheld = await call(t, "POST", `/v1/complaints/${id}/decision`, cast.regulator.key, {
      decision: "upheld",
      reason: "经核实，货不对板",
    });
    expect(upheld.status).toBe(200);
    expect(ComplaintView.parse(upheld.body).decision).toMatchObject({
      status: "upheld",
      reason: "经核实，货不对板",
      decidedByOrgId: cast.regulator.org.id,
    });
    const again = await call(t, "POST", `/v1/complaints/${id}/decision`, cast.regulator.key, {
      decision: "rejected",
      reason: "改判",
    });
    expect(again.status).toBe(409);
    expect(again.contentType).toMatch(/problem\+json/);
    expect(await complaintRow(t, id)).toMatchObject({
      status: "upheld",
      decisionReason: "经核实，货不对板",
    });
    expect(
      (await call(t, "POST", `/v1/complaints/${id}/answer`, seller.key, { text: "迟到的回答" }))
        .status,
    ).toBe(409);
  });

  it("needs a known decision and a reason", async () => {
    const id = await insertComplaint(t, { sellerOrgId: cast.seller.org.id });
    const res = await call(t, "POST", `/v1/complaints/${id}/decision`, cast.regulator.key, {
      decision: "maybe",
    });
    expect(res.status).toBe(422);
    expect(res.body.errors?.map((e) => e.path).sort()).toEqual(["json.decision", "json.reason"]);
  });

  it("settles the commitment-violation alert of a complaint naming a broken commitment", async () => {
    const seller = await makeOrg(t, ["seller"]);
    const published = await call(t, "POST", "/v1/me/commitments", seller.key, {
      quality: "正品保障",
      priceHonesty: "明码标价",
      logistics: "48小时发货",
      afterSales: { noReasonReturnDays: 7, firstCompensation: true, responseHours: 24 },
    });
    expect(published.status).toBe(201);
    const [commitment] = await t.db
      .select()
      .from(commitments)
      .where(eq(commitments.orgId, seller.org.id));
    const kept = await insertComplaint(t, {
      sellerOrgId: seller.org.id,
      commitmentId: commitment!.id,
    });
    const broken = await insertComplaint(t, {
      sellerOrgId: seller.org.id,
      commitmentId: commitment!.id,
    });

    // Complaints come in through the feedback API; the periodic pass raises their alerts.
    const run = await call(t, "POST", "/v1/alerts/run", cast.regulator.key);
    expect((run.body.raised as Record<string, number>).commitment_violation).toBeGreaterThanOrEqual(
      2,
    );

    await call(t, "POST", `/v1/complaints/${kept}/decision`, cast.regulator.key, {
      decision: "rejected",
      reason: "已按承诺退货",
    });
    await call(t, "POST", `/v1/complaints/${broken}/decision`, cast.regulator.key, {
      decision: "upheld",
      reason: "拒绝七天无理由退货",
    });
    const rows = await t.db.select().from(alerts).where(eq(alerts.orgId, seller.org.id));
    const byComplaint = new Map(rows.map((a) => [a.details.complaintId, a]));
    expect(byComplaint.get(kept)?.status).toBe("dismissed");
    expect(byComplaint.get(broken)).toMatchObject({
      status: "confirmed",
      decidedByOrgId: cast.regulator.org.id,
    });

    const credit = CreditView.parse(
      (await call(t, "GET", `/v1/orgs/${seller.org.id}/credit`)).body,
    );
    const violations = credit.factors.find((f) => f.name === "commitment_violations")!;
    expect(violations.evidence.map((e) => e.id)).toEqual([broken]);
    expect(violations.contribution).toBe(-10);
    expect(credit.factors.find((f) => f.name === "confirmed_alerts")!.evidence).toEqual([]);
  });
});

describe("an upheld violation nobody raised yet", () => {
  it("is raised and confirmed by the decision itself", async () => {
    const seller = await makeOrg(t, ["seller"]);
    await call(t, "POST", "/v1/me/commitments", seller.key, {
      quality: "正品保障",
      priceHonesty: "明码标价",
      logistics: "48小时发货",
      afterSales: { noReasonReturnDays: 7, firstCompensation: true, responseHours: 24 },
    });
    const [commitment] = await t.db
      .select()
      .from(commitments)
      .where(eq(commitments.orgId, seller.org.id));
    const id = await insertComplaint(t, {
      sellerOrgId: seller.org.id,
      commitmentId: commitment!.id,
    });
    await call(t, "POST", `/v1/complaints/${id}/decision`, cast.regulator.key, {
      decision: "upheld",
      reason: "属实",
    });
    const [alert] = await t.db.select().from(alerts).where(eq(alerts.orgId, seller.org.id));
    expect(alert).toMatchObject({
      kind: "commitment_violation",
      status: "confirmed",
      details: { complaintId: id },
    });
  });
});

describe("with complaints filed through the feedback API", () => {
  it("answers and upholds a buyer's complaint, confirming the one alert the filing raised", async () => {
    const seller = await makeOrg(t, ["seller"]);
    await call(t, "POST", "/v1/me/commitments", seller.key, {
      quality: "正品保障",
      priceHonesty: "明码标价",
      logistics: "48小时发货",
      afterSales: { noReasonReturnDays: 7, firstCompensation: true, responseHours: 24 },
    });
    const [commitment] = await t.db
      .select()
      .from(commitments)
      .where(eq(commitments.orgId, seller.org.id));
    const lot = await seedLot(t, cast.producer, { count: 1 });
    await listLot(t, seller, lot);
    const sold = (await call(t, "POST", "/v1/events", seller.key, {
      kind: "sale",
      items: [lot.items[0]!.key],
      orderNumber: "F-1",
      buyerRef: "buyer-f",
    })) as { body: { receipts?: { receiptCode: string }[] } };
    const filed = await call(t, "POST", "/v1/complaints", undefined, {
      item: lot.items[0]!.key,
      receiptCode: sold.body.receipts![0]!.receiptCode,
      category: "quality",
      text: "承诺七天无理由退货，但拒绝退货",
      commitmentId: commitment!.id,
    });
    expect(filed.status, JSON.stringify(filed.body)).toBe(201);
    const id = String(filed.body.id);

    const own = ComplaintPage.parse((await call(t, "GET", "/v1/complaints", seller.key)).body);
    expect(own.items.map((c) => c.id)).toEqual([id]);
    t.clock.advance(2 * HOUR);
    const answered = await call(t, "POST", `/v1/complaints/${id}/answer`, seller.key, {
      text: "已同意退货",
    });
    expect(ComplaintView.parse(answered.body)).toMatchObject({
      withReceipt: true,
      timeToAnswerHours: 2,
    });
    await call(t, "POST", `/v1/complaints/${id}/decision`, cast.regulator.key, {
      decision: "upheld",
      reason: "拖延退货属实",
    });

    const raised = await t.db.select().from(alerts).where(eq(alerts.orgId, seller.org.id));
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ kind: "commitment_violation", status: "confirmed" });
  });
});

describe("review moderation", () => {
  it("hides a review with the reason kept, never deletes it, and drops it from the credit", async () => {
    const seller = await makeOrg(t, ["seller"]);
    const { lot, receipt } = await sale(seller);
    t.clock.advance(48 * HOUR);
    const [id] = await insertReviews(t, [
      { receipt, gtin: lot.gtin, rating: 1, at: t.clock.now() },
    ]);
    const creditBefore = CreditView.parse(
      (await call(t, "GET", `/v1/orgs/${seller.org.id}/credit`)).body,
    );
    expect(creditBefore.factors.find((f) => f.name === "reviews")!.evidenceCount).toBe(1);

    expect(
      (await call(t, "POST", `/v1/reviews/${id}/hide`, seller.key, { reason: "差评" })).status,
    ).toBe(403);
    const hidden = await call(t, "POST", `/v1/reviews/${id}/hide`, cast.regulator.key, {
      reason: "含有侮辱性语言及他人隐私",
    });
    expect(hidden.status).toBe(200);
    expect(ModeratedReview.parse(hidden.body)).toMatchObject({
      hidden: true,
      hiddenReason: "含有侮辱性语言及他人隐私",
      hiddenByOrgId: cast.regulator.org.id,
    });
    expect(
      (await call(t, "POST", `/v1/reviews/${id}/hide`, cast.regulator.key, { reason: "再藏" }))
        .status,
    ).toBe(409);
    expect(
      (await call(t, "POST", "/v1/reviews/rev_nope/hide", cast.regulator.key, { reason: "没有" }))
        .status,
    ).toBe(404);

    const [row] = await t.db.select().from(reviews).where(eq(reviews.id, id!));
    expect(row).toMatchObject({ hidden: true, text: "不满意" });
    const creditAfter = CreditView.parse(
      (await call(t, "GET", `/v1/orgs/${seller.org.id}/credit`)).body,
    );
    expect(creditAfter.factors.find((f) => f.name === "reviews")!.evidenceCount).toBe(0);
  });
});
