// A regulator's jurisdiction from both sides: what lies inside it is in its queues and open to
// its actions; what lies outside is neither, in every queue and action that has a place.
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { makeOrg, makeUscc, type OrgWithKey } from "../../../test/factories";
import { seedLot } from "../../../test/seed";
import { alerts, complaints, orgs } from "../../db/schema";
import { randomString } from "../../lib/random";
import { jurisdictionWithin, regionPrefix, regionWithin, WHOLE_COUNTRY } from "./jurisdiction";

let t: TestApp;
let national: OrgWithKey;
let taizhou: OrgWithKey;
/** Registered in 台州 (331003 黄岩区) and in 杭州 (330106 西湖区). */
let inside: { producer: OrgWithKey; seller: OrgWithKey };
let outside: { producer: OrgWithKey; seller: OrgWithKey };

beforeAll(async () => {
  t = await createTestApp();
  national = await makeOrg(t, ["regulator"], { nameZh: "国家市场监督管理总局" });
  taizhou = await makeOrg(t, ["regulator"], {
    nameZh: "台州市市场监督管理局",
    regionCode: "331002",
    jurisdiction: "331000",
  });
  inside = {
    producer: await makeOrg(t, ["producer"], { regionCode: "331003" }),
    seller: await makeOrg(t, ["seller"], { regionCode: "331003", nameZh: "黄岩橘乡网店" }),
  };
  outside = {
    producer: await makeOrg(t, ["producer"], { regionCode: "330106" }),
    seller: await makeOrg(t, ["seller"], { regionCode: "330106", nameZh: "西湖网店" }),
  };
});
afterAll(() => t.close());

const post = (key: string, path: string, json: unknown, method: "POST" | "PUT" = "POST") =>
  t.request(method, path, { key, json });

describe("what lies inside a region", () => {
  it("a province holds its prefectures and counties, a prefecture its counties, a county itself", () => {
    expect(regionWithin("331003", "330000")).toBe(true);
    expect(regionWithin("331003", "331000")).toBe(true);
    expect(regionWithin("330106", "331000")).toBe(false);
    expect(regionWithin("331003", "331003")).toBe(true);
    expect(regionWithin("331002", "331003")).toBe(false);
    expect(regionWithin("440305", WHOLE_COUNTRY)).toBe(true);
    // A county code ending in 0 is not a prefecture: 330110 余杭区 holds only itself.
    expect(regionPrefix("330110")).toBe("330110");
    expect(regionWithin("330111", "330110")).toBe(false);
    // What lies nowhere in particular is only the country's.
    expect(regionWithin(null, "331000")).toBe(false);
    expect(regionWithin(null, WHOLE_COUNTRY)).toBe(true);
    expect(jurisdictionWithin("331000", "330000")).toBe(true);
    expect(jurisdictionWithin(WHOLE_COUNTRY, "330000")).toBe(false);
  });
});

describe("registering regulators", () => {
  const regulatorBody = (jurisdiction?: string) => ({
    kind: "enterprise",
    nameZh: "黄岩区市场监督管理局",
    uscc: makeUscc(),
    roles: ["regulator"],
    regionCode: "331003",
    ...(jurisdiction !== undefined ? { jurisdiction } : {}),
  });

  it("needs a jurisdiction inside the registrar's, and shows it on the profile", async () => {
    const missing = await post(taizhou.key, "/v1/orgs", regulatorBody());
    expect(missing.status).toBe(422);
    expect(((await missing.json()) as { detail: string }).detail).toContain("json.jurisdiction");
    const unknown = await post(taizhou.key, "/v1/orgs", regulatorBody("339999"));
    expect(unknown.status).toBe(422);
    const wider = await post(taizhou.key, "/v1/orgs", regulatorBody("330000"));
    expect(wider.status).toBe(403);
    const elsewhere = await post(taizhou.key, "/v1/orgs", regulatorBody("330106"));
    expect(elsewhere.status).toBe(403);
    const county = await post(taizhou.key, "/v1/orgs", regulatorBody("331003"));
    expect(county.status).toBe(201);
    const { org } = (await county.json()) as {
      org: { id: string; jurisdiction: { code: string; names: string[] } };
    };
    expect(org.jurisdiction).toEqual({ code: "331003", names: ["浙江省", "台州市", "黄岩区"] });
    const profile = await t.request("GET", `/v1/orgs/${org.id}`);
    expect(((await profile.json()) as { jurisdiction: unknown }).jurisdiction).toEqual(
      org.jurisdiction,
    );
  });

  it("gives no jurisdiction to other organisations", async () => {
    const res = await t.request("POST", "/v1/orgs", {
      json: { ...regulatorBody("331000"), roles: ["seller"] },
    });
    expect(res.status).toBe(422);
    const seller = await t.request("GET", `/v1/orgs/${inside.seller.org.id}`);
    expect(((await seller.json()) as { jurisdiction: unknown }).jurisdiction).toBeNull();
  });

  it("lets a regulator move another one inside its own jurisdiction, and no further", async () => {
    const county = await makeOrg(t, ["regulator"], { jurisdiction: "331003" });
    const moved = await post(
      taizhou.key,
      `/v1/orgs/${county.org.id}/jurisdiction`,
      { jurisdiction: "331002" },
      "PUT",
    );
    expect(moved.status).toBe(200);
    const [row] = await t.db.select().from(orgs).where(eq(orgs.id, county.org.id));
    expect(row?.jurisdiction).toBe("331002");
    const outward = await post(
      taizhou.key,
      `/v1/orgs/${county.org.id}/jurisdiction`,
      { jurisdiction: "330106" },
      "PUT",
    );
    expect(outward.status).toBe(403);
    const itself = await post(
      taizhou.key,
      `/v1/orgs/${taizhou.org.id}/jurisdiction`,
      { jurisdiction: WHOLE_COUNTRY },
      "PUT",
    );
    expect(itself.status).toBe(403);
    const notRegulator = await post(
      national.key,
      `/v1/orgs/${inside.seller.org.id}/jurisdiction`,
      { jurisdiction: "331000" },
      "PUT",
    );
    expect(notRegulator.status).toBe(409);
  });
});

describe("the verification queue", () => {
  it("holds the organisations waiting inside the jurisdiction, and verifies only those", async () => {
    const near = await makeOrg(t, ["seller"], { status: "pending", regionCode: "331003" });
    const far = await makeOrg(t, ["seller"], { status: "pending", regionCode: "330106" });
    const queue = await t.request("GET", "/v1/orgs?status=pending&limit=100", {
      key: taizhou.key,
    });
    const ids = ((await queue.json()) as { items: { id: string }[] }).items.map((o) => o.id);
    expect(ids).toContain(near.org.id);
    expect(ids).not.toContain(far.org.id);
    const all = await t.request("GET", "/v1/orgs?status=pending&limit=100", {
      key: national.key,
    });
    const allIds = ((await all.json()) as { items: { id: string }[] }).items.map((o) => o.id);
    expect(allIds).toEqual(expect.arrayContaining([near.org.id, far.org.id]));

    const decide = (org: OrgWithKey, key: string) =>
      post(key, `/v1/orgs/${org.org.id}/status`, { status: "verified", reason: "核验通过" });
    const refused = await decide(far, taizhou.key);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { detail: string }).detail).toContain("331000");
    const [still] = await t.db.select().from(orgs).where(eq(orgs.id, far.org.id));
    expect(still?.status).toBe("pending");
    expect((await decide(near, taizhou.key)).status).toBe(200);
    expect((await decide(far, national.key)).status).toBe(200);
    const history = await t.request("GET", `/v1/orgs/${far.org.id}/status-history`, {
      key: taizhou.key,
    });
    expect(history.status).toBe(403);
  });
});

describe("red and black lists", () => {
  const entry = (orgId: string) => ({
    orgId,
    list: "black",
    reason: "组织虚假交易",
    legalBasis: "《中华人民共和国电子商务法》第十七条",
    authority: "台州市市场监督管理局",
    severity: "general",
    listedOn: t.clock.now().toISOString().slice(0, 10),
  });

  it("lists and lifts only organisations inside the jurisdiction", async () => {
    const far = await post(taizhou.key, "/v1/lists", entry(outside.seller.org.id));
    expect(far.status).toBe(403);
    const near = await post(taizhou.key, "/v1/lists", entry(inside.seller.org.id));
    expect(near.status).toBe(201);
    const byNational = await post(national.key, "/v1/lists", entry(outside.seller.org.id));
    expect(byNational.status).toBe(201);
    const { id } = (await byNational.json()) as { id: string };
    const lift = await post(taizhou.key, `/v1/lists/${id}/removal`, { reason: "撤销" });
    expect(lift.status).toBe(403);
    const ownLift = await post(national.key, `/v1/lists/${id}/removal`, { reason: "撤销" });
    expect(ownLift.status).toBe(200);
  });
});

describe("complaints and alerts", () => {
  async function complaintAbout(sellerOrgId: string | null, gtin: string | null = null) {
    const id = `cmp_${randomString(12, "abcdefghijkmnpqrstuvwxyz23456789")}`;
    await t.db.insert(complaints).values({
      id,
      sellerOrgId,
      gtin,
      category: "quality",
      text: "橘子发霉",
      createdAt: t.clock.now(),
    });
    return id;
  }
  async function alertAbout(orgId: string | null) {
    const id = `alt_${randomString(12, "abcdefghijkmnpqrstuvwxyz23456789")}`;
    const now = t.clock.now();
    await t.db.insert(alerts).values({
      id,
      kind: "sales_burst",
      severity: "high",
      subjectKey: orgId ?? "/01/06901234567892",
      orgId,
      dedupeKey: id,
      createdAt: now,
      updatedAt: now,
    });
    return id;
  }
  const idsOf = async (res: Response) =>
    ((await res.json()) as { items: { id: string }[] }).items.map((x) => x.id);

  it("a complaint is in the queue of its seller's region, or its brand owner's when anonymous", async () => {
    const near = await complaintAbout(inside.seller.org.id);
    const far = await complaintAbout(outside.seller.org.id);
    const lot = await seedLot(t, inside.producer, { count: 0 });
    const anonymousNear = await complaintAbout(null, lot.gtin);
    const queue = await idsOf(
      await t.request("GET", "/v1/complaints?limit=100", { key: taizhou.key }),
    );
    expect(queue).toEqual(expect.arrayContaining([near, anonymousNear]));
    expect(queue).not.toContain(far);
    const decide = (id: string, key: string) =>
      post(key, `/v1/complaints/${id}/decision`, { decision: "upheld", reason: "查实" });
    expect((await decide(far, taizhou.key)).status).toBe(404);
    expect((await decide(near, taizhou.key)).status).toBe(200);
    expect((await decide(far, national.key)).status).toBe(200);
  });

  it("an alert is in the queue of its organisation's region; the rules' thresholds are the country's", async () => {
    const near = await alertAbout(inside.seller.org.id);
    const far = await alertAbout(outside.seller.org.id);
    const nowhere = await alertAbout(null);
    const queue = await idsOf(await t.request("GET", "/v1/alerts?limit=100", { key: taizhou.key }));
    expect(queue).toContain(near);
    expect(queue).not.toContain(far);
    expect(queue).not.toContain(nowhere);
    const all = await idsOf(await t.request("GET", "/v1/alerts?limit=100", { key: national.key }));
    expect(all).toEqual(expect.arrayContaining([near, far, nowhere]));
    const decide = (id: string, key: string) =>
      post(key, `/v1/alerts/${id}/decision`, { status: "confirmed", reason: "查实" });
    expect((await decide(far, taizhou.key)).status).toBe(404);
    expect((await decide(near, taizhou.key)).status).toBe(200);

    const thresholds = (await (await t.request("GET", "/v1/alerts/thresholds")).json()) as Record<
      string,
      unknown
    >;
    const put = (key: string) => post(key, "/v1/alerts/thresholds", thresholds, "PUT");
    expect((await put(taizhou.key)).status).toBe(403);
    expect((await put(national.key)).status).toBe(200);
  });
});

describe("recalls, destruction and corrections", () => {
  it("a regulator recalls only products whose brand owner lies inside its jurisdiction", async () => {
    const recall = (gtin: string) =>
      post(taizhou.key, "/v1/recalls", {
        product: gtin,
        level: "II",
        reason: "抽检不合格",
        instructions: "停止销售",
        contacts: "0576-88888888",
      });
    const far = await seedLot(t, outside.producer, { count: 1 });
    expect((await recall(far.gtin)).status).toBe(403);
    const near = await seedLot(t, inside.producer, { count: 1 });
    expect((await recall(near.gtin)).status).toBe(201);
  });

  it("a regulator destroys only goods of brand owners inside its jurisdiction", async () => {
    const destroy = (key: string) =>
      post(taizhou.key, "/v1/events", { kind: "destroy", items: [key], reason: "过期" });
    const far = await seedLot(t, outside.producer, { count: 1 });
    const refused = await destroy(far.items[0]!.key);
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { rule: string }).rule).toBe("only_custodian_destroys");
    const near = await seedLot(t, inside.producer, { count: 1 });
    expect((await destroy(near.items[0]!.key)).status).toBe(201);
  });

  it("a regulator corrects only events recorded inside its jurisdiction", async () => {
    const lot = await seedLot(t, outside.producer, { count: 1 });
    const seller = await makeOrg(t, ["seller"], { regionCode: "330106" });
    await post(seller.key, "/v1/events", {
      kind: "listing",
      code: lot.gtin,
      shopName: "西湖网店",
      listingUrl: "https://shop.example.cn/x",
      price: 10,
    });
    const sale = await post(seller.key, "/v1/events", {
      kind: "sale",
      items: [lot.items[0]!.key],
      orderNumber: "W-2",
    });
    expect(sale.status).toBe(201);
    const { event } = (await sale.json()) as { event: { eventId: string } };
    const correct = (key: string) =>
      post(key, "/v1/events", {
        kind: "correction",
        eventId: event.eventId,
        reason: "did_not_occur",
      });
    expect((await correct(taizhou.key)).status).toBe(403);
    expect((await correct(national.key)).status).toBe(201);
  });
});
