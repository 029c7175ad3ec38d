// Credit through the real API: honest trade earns A, trade with oneself does not; every factor shows its evidence.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { type Cast, makeCast, makeOrg, type OrgWithKey } from "../../../test/factories";
import { seedLot } from "../../../test/seed";
import { listEntries } from "../../db/schema";
import { raiseAlert } from "../alerts/raise";
import { PublicOrg } from "../orgs/schemas";
import { CreditView } from "./schemas";
import {
  call,
  dispatch,
  insertComplaint,
  insertReviews,
  listLot,
  openReceipts,
  sell,
  signOff,
} from "./trade.fixtures";

let t: TestApp;
let cast: Cast;
beforeAll(async () => {
  t = await createTestApp();
  cast = await makeCast(t);
});
afterAll(() => t.close());

const HOUR = 3_600_000;

async function creditOf(org: OrgWithKey) {
  const res = await call(t, "GET", `/v1/orgs/${org.org.id}/credit`);
  expect(res.status).toBe(200);
  return CreditView.parse(res.body);
}

/**
 * `orders` sales through the API (one order each, to `buyerOf(i)`), one parcel, a sign-off a day
 * later, and a review per item `reviewAfterMinutes` after delivery.
 */
async function trade(
  seller: OrgWithKey,
  orders: number,
  buyerOf: (i: number) => string,
  reviewAfterMinutes: number,
  rating = 5,
) {
  const lot = await seedLot(t, cast.producer, { count: orders });
  await listLot(t, seller, lot);
  const keys = lot.items.map((i) => i.key);
  for (const [i, key] of keys.entries()) await sell(t, seller, [key], buyerOf(i));
  expect((await dispatch(t, cast.producer, cast.logistics, keys)).status).toBe(201);
  t.clock.advance(24 * HOUR);
  expect((await signOff(t, cast.logistics, keys)).status).toBe(201);
  t.clock.advance(reviewAfterMinutes * 60_000);
  const receipts = await openReceipts(
    t,
    lot.items.map((i) => i.id),
  );
  await insertReviews(
    t,
    receipts.map((receipt) => ({ receipt, gtin: lot.gtin, rating, at: t.clock.now() })),
  );
  t.clock.advance(HOUR);
  return lot;
}

describe("anti-gaming", () => {
  it("gives A to a seller with many distinct, satisfied buyers", async () => {
    const honest = await makeOrg(t, ["seller"], { nameZh: "诚信网店" });
    await trade(honest, 60, (i) => `buyer-${i}`, 2 * 24 * 60);
    const credit = await creditOf(honest);
    expect(credit.grade).toBe("A");
    expect(credit.score).toBeGreaterThanOrEqual(90);
    const reviews = credit.factors.find((f) => f.name === "reviews")!;
    expect(reviews.evidenceCount).toBe(60);
    expect(reviews.evidence[0]).toMatchObject({ type: "review" });
  });

  it("keeps a seller whose sales all go to itself (one buyer) from reaching A", async () => {
    const selfDealer = await makeOrg(t, ["seller"], { nameZh: "自买自卖店" });
    await trade(selfDealer, 20, () => "my-own-account", 2 * 24 * 60);
    const credit = await creditOf(selfDealer);
    expect(credit.grade).not.toBe("A");
    expect(credit.score).toBeLessThan(90);
    expect(credit.grade).toBe("M");
    expect(credit.evidenceStrength).toBeLessThanOrEqual(1);
  });

  it("keeps a seller whose reviews all come within minutes of delivery from reaching A", async () => {
    const fast = await makeOrg(t, ["seller"], { nameZh: "秒评网店" });
    await trade(fast, 20, (i) => `sock-puppet-${i}`, 2);
    const credit = await creditOf(fast);
    expect(credit.grade).not.toBe("A");
    expect(credit.score).toBeLessThan(90);
    expect(credit.factors.find((f) => f.name === "reviews")!.contribution).toBe(0);
  });
});

describe("factors and their evidence", () => {
  let seller: OrgWithKey;
  beforeAll(async () => {
    seller = await makeOrg(t, ["seller"]);
    await trade(seller, 12, (i) => `b-${i}`, 3 * 24 * 60, 4);
  });

  it("counts a confirmed alert against the organisation, naming it, and not an open one", async () => {
    const before = await creditOf(seller);
    await raiseAlert(t.db, t.clock.now(), {
      kind: "sales_burst",
      severity: "high",
      subjectKey: seller.org.id,
      orgId: seller.org.id,
      evidence: [1],
      details: {},
      dedupeKey: `test:${seller.org.id}`,
    });
    expect((await creditOf(seller)).score).toBe(before.score);
    const queue = await call(
      t,
      "GET",
      `/v1/alerts?orgId=${seller.org.id}&kind=sales_burst`,
      cast.inspector.key,
    );
    const id = (queue.body.items as { id: string }[])[0]!.id;
    await call(t, "POST", `/v1/alerts/${id}/decision`, cast.inspector.key, {
      status: "confirmed",
      reason: "刷单属实",
    });
    const after = await creditOf(seller);
    const factor = after.factors.find((f) => f.name === "confirmed_alerts")!;
    expect(factor.contribution).toBe(-20);
    expect(factor.evidence.map((e) => e.id)).toEqual([id]);
    expect(after.score).toBeCloseTo(before.score - 20, 0);
  });

  it("counts an upheld complaint and how fast complaints were answered", async () => {
    const id = await insertComplaint(t, { sellerOrgId: seller.org.id });
    t.clock.advance(72 * HOUR);
    await call(t, "POST", `/v1/complaints/${id}/decision`, cast.regulator.key, {
      decision: "upheld",
      reason: "货不对板",
    });
    const credit = await creditOf(seller);
    const complaints = credit.factors.find((f) => f.name === "complaints")!;
    expect(complaints.evidence.map((e) => e.id)).toEqual([id]);
    expect(complaints.value).toBeLessThan(1);
    const answers = credit.factors.find((f) => f.name === "answers")!;
    expect(answers.value).toBe(0);
    expect(answers.note).toContain("48 hours");
  });

  it("shows the same credit on the public profile", async () => {
    const credit = await creditOf(seller);
    const profile = PublicOrg.parse((await call(t, "GET", `/v1/orgs/${seller.org.id}`)).body);
    expect(profile.credit).toEqual({
      score: credit.score,
      grade: credit.grade,
      computedAt: credit.computedAt,
    });
  });
});

describe("lists in the credit", () => {
  const entry = (orgId: string, list: "red" | "black") => ({
    id: `lst_${list}_${orgId}`,
    orgId,
    list,
    reason: list === "red" ? "守信激励" : "刷单炒信",
    legalBasis: "电子商务法第十七条",
    authority: "台州市市场监督管理局",
    severity: "general" as const,
    listedOn: "2026-05-01",
    minPublishUntil: "2026-08-01",
    maxPublishUntil: "2027-05-01",
    decidedByOrgId: cast.regulator.org.id,
    createdAt: t.clock.now(),
  });

  it("makes a black-listed seller D, with the entry in the breakdown", async () => {
    const bad = await makeOrg(t, ["seller"]);
    await trade(bad, 5, (i) => `x-${i}`, 3 * 24 * 60);
    await t.db.insert(listEntries).values(entry(bad.org.id, "black"));
    const credit = await creditOf(bad);
    expect(credit.grade).toBe("D");
    expect(credit.factors.find((f) => f.name === "black_list")!.evidence[0]?.id).toBe(
      `lst_black_${bad.org.id}`,
    );
  });

  it("gives a red-listed organisation its bonus, visible in the breakdown", async () => {
    const good = await makeOrg(t, ["producer"]);
    const before = await creditOf(good);
    await t.db.insert(listEntries).values(entry(good.org.id, "red"));
    const after = await creditOf(good);
    const red = after.factors.find((f) => f.name === "red_list")!;
    expect(red.contribution).toBe(5);
    expect(red.evidence[0]?.id).toBe(`lst_red_${good.org.id}`);
    expect(after.score).toBeCloseTo(before.score + 5, 0);
  });

  it("is 404 for an organisation that does not exist", async () => {
    const res = await call(t, "GET", "/v1/orgs/org_nope/credit");
    expect(res.status).toBe(404);
    expect(res.contentType).toMatch(/problem\+json/);
  });
});
