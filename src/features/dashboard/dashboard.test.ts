// The regulator's dashboard from both sides: each figure counts what lies inside the jurisdiction
// and nothing outside it, the console draws it with links to the rows behind, and only
// regulators get it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { makeMember, makeOrg, type OrgWithKey } from "../../../test/factories";
import { consoleAgent } from "../../../test/helpers/console-agent";
import { listForSale, type SeededLot, seedLot } from "../../../test/seed";
import { alerts } from "../../db/schema";
import { Dashboard } from "./schemas";

let t: TestApp;
let taizhou: OrgWithKey;
let national: OrgWithKey;
let near: { producer: OrgWithKey; seller: OrgWithKey; lot: SeededLot };
let far: { producer: OrgWithKey; seller: OrgWithKey; lot: SeededLot };

async function soldLot(region: string) {
  const producer = await makeOrg(t, ["producer"], { regionCode: region });
  const seller = await makeOrg(t, ["seller"], { regionCode: region });
  const lot = await seedLot(t, producer, { count: 3 });
  await listForSale(t, seller.key, lot.gtin);
  const sold = await t.request("POST", "/v1/events", {
    key: seller.key,
    json: {
      kind: "sale",
      items: [lot.items[0]!.key, lot.items[1]!.key],
      orderNumber: `D-${region}`,
    },
  });
  expect(sold.status).toBe(201);
  return { producer, seller, lot };
}

const alertRow = (orgId: string, kind: "cloned_code" | "empty_parcel", n: number) => {
  const now = t.clock.now();
  return {
    id: `alt_dash_${orgId}_${kind}_${n}`,
    kind,
    severity: "high" as const,
    subjectKey: `/01/06901234567892/21/S${n}`,
    orgId,
    dedupeKey: `dash_${orgId}_${kind}_${n}`,
    createdAt: now,
    updatedAt: now,
  };
};

beforeAll(async () => {
  t = await createTestApp();
  taizhou = await makeOrg(t, ["regulator"], { regionCode: "331002", jurisdiction: "331000" });
  national = await makeOrg(t, ["regulator"]);
  near = await soldLot("331003");
  far = await soldLot("330106");
  t.clock.advance(60_000);
  // Two scans of a unit sold in 黄岩, one of a unit sold in 西湖, one of an unsold 黄岩 unit.
  for (const key of [
    near.lot.items[0]!.key,
    near.lot.items[0]!.key,
    far.lot.items[0]!.key,
    near.lot.items[2]!.key,
  ]) {
    expect((await t.request("GET", key)).status).toBe(200);
  }
  await t.db
    .insert(alerts)
    .values([
      alertRow(near.seller.org.id, "cloned_code", 1),
      alertRow(near.seller.org.id, "cloned_code", 2),
      alertRow(near.seller.org.id, "empty_parcel", 3),
      alertRow(far.seller.org.id, "cloned_code", 4),
    ]);
  const recall = await t.request("POST", "/v1/recalls", {
    key: taizhou.key,
    json: {
      product: near.lot.gtin,
      level: "II",
      reason: "抽检不合格",
      instructions: "停止销售",
      contacts: "0576-1",
    },
  });
  expect(recall.status).toBe(201);
});
afterAll(() => t.close());

const dashboard = async (key: string) => {
  const res = await t.request("GET", "/v1/dashboard", { key });
  expect(res.status).toBe(200);
  return Dashboard.parse(await res.json());
};

describe("GET /v1/dashboard", () => {
  it("counts the scans of units sold or made inside the jurisdiction, per day and per county", async () => {
    const d = await dashboard(taizhou.key);
    expect(d.jurisdiction).toEqual({ code: "331000", names: ["浙江省", "台州市"] });
    expect(d.scans.perDay).toHaveLength(30);
    expect(d.scans.total).toBe(3);
    expect(d.scans.perDay.at(-1)?.scans).toBe(3);
    expect(d.scans.perRegion).toEqual([
      { region: "331003", names: ["浙江省", "台州市", "黄岩区"], scans: 3 },
    ]);
    const all = await dashboard(national.key);
    expect(all.scans.total).toBe(4);
    expect(all.scans.perRegion).toEqual([{ region: "330000", names: ["浙江省"], scans: 4 }]);
  });

  it("counts alerts by rule and week, and cloned codes by region, inside the jurisdiction only", async () => {
    const d = await dashboard(taizhou.key);
    const byKind = Object.fromEntries(d.alerts.perWeek.map((r) => [r.kind, r.alerts]));
    expect(byKind).toEqual({ cloned_code: 2, empty_parcel: 1 });
    expect(d.clonedCodes).toEqual([
      { region: "331003", names: ["浙江省", "台州市", "黄岩区"], alerts: 2, codes: 2 },
    ]);
    const all = await dashboard(national.key);
    expect(all.clonedCodes[0]).toMatchObject({ region: "330000", alerts: 3 });
  });

  it("gives the credit grades of the sellers inside it and the recalls under way with their progress", async () => {
    const d = await dashboard(taizhou.key);
    expect(d.credit.list.map((s) => s.id)).toEqual([near.seller.org.id]);
    expect(Object.values(d.credit.byGrade).reduce((a, b) => a + b, 0)).toBe(1);
    expect(d.recalls).toHaveLength(1);
    expect(d.recalls[0]).toMatchObject({ units: 3, removed: 0, stillOnMarket: 2 });
    const elsewhere = await makeOrg(t, ["regulator"], { jurisdiction: "330100" });
    const hz = await dashboard(elsewhere.key);
    expect(hz.recalls).toEqual([]);
    expect(hz.scans.total).toBe(1);
  });

  it("is for regulators only", async () => {
    expect((await t.request("GET", "/v1/dashboard", { key: near.seller.key })).status).toBe(403);
    expect((await t.request("GET", "/v1/dashboard")).status).toBe(401);
  });
});

describe("the dashboard page", () => {
  it("draws every figure as SVG with links to the rows behind it", async () => {
    const m = await makeMember(t, taizhou.org);
    const desk = await consoleAgent(t, m.email, m.password);
    const html = await (await desk.get("/console/regulate/dashboard")).text();
    expect(html.match(/<svg class="chart/g)?.length).toBeGreaterThanOrEqual(4);
    expect(html).toContain('data-testid="scan-total">3<');
    expect(html).toContain('data-region="331003"');
    expect(html).toContain('href="/console/regulate/alerts?kind=cloned_code&amp;region=331003"');
    expect(html).toContain('href="/console/regulate/dashboard/scans.csv?region=331003"');
    const csv = await (
      await desk.get("/console/regulate/dashboard/scans.csv?region=331003")
    ).text();
    const lines = csv.trim().split("\r\n");
    expect(lines[0]).toContain("scanned_at,gtin,serial");
    expect(lines).toHaveLength(4);
    expect(csv).not.toContain(far.lot.items[0]!.serial);
  });

  it("draws the whole country as a bubble per province for a national regulator", async () => {
    const m = await makeMember(t, national.org);
    const desk = await consoleAgent(t, m.email, m.password);
    const html = await (await desk.get("/console/regulate/dashboard")).text();
    expect(html).toContain('data-region="330000"');
    expect(html).toContain('data-region="110000"');
  });

  it("is refused to members of other organisations", async () => {
    const m = await makeMember(t, near.seller.org);
    const desk = await consoleAgent(t, m.email, m.password);
    expect((await desk.get("/console/regulate/dashboard")).status).toBe(403);
    expect((await desk.get("/console/regulate/dashboard/scans.csv")).status).toBe(403);
  });
});
