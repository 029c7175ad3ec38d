// The inspector's desk and the trace explorer over HTTP: a failed report stops sales at once; a
// trace shows every event checked against the signed checkpoint, pages through a lot's units and
// exports the same three forms as the API; a recall started there is followed as it changes.
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { type Cast, makeCast, makeMember, makeOrg } from "../../../test/factories";
import { type ConsoleAgent, consoleAgent } from "../../../test/helpers/console-agent";
import { listForSale, seedLot } from "../../../test/seed";
import { inspections, lots } from "../../db/schema";
import { pdfFile } from "../inspections/fixtures";

let t: TestApp;
let cast: Cast;
let lab: ConsoleAgent;
let bureau: ConsoleAgent;
let shop: ConsoleAgent;

beforeAll(async () => {
  t = await createTestApp();
  cast = await makeCast(t);
  const login = async (org: Cast[keyof Cast]) => {
    const m = await makeMember(t, org.org);
    return consoleAgent(t, m.email, m.password);
  };
  lab = await login(cast.inspector);
  bureau = await login(cast.regulator);
  shop = await login(cast.seller);
});
afterAll(() => t.close());

const report = (lot: string, conclusion: "pass" | "fail", reportNumber: string) => ({
  lot,
  reportNumber,
  standards: "GB 2763-2021\r\nGB 2762-2022",
  testItems:
    conclusion === "pass"
      ? "毒死蜱, 0.005, ≤0.05, mg/kg, 合格"
      : "毒死蜱, 0.12, ≤0.05, mg/kg, 不合格\r\n铅, 0.02, ≤0.1, mg/kg, 合格",
  issueDate: t.clock.now().toISOString().slice(0, 10),
  conclusion,
  pdf: pdfFile(reportNumber),
});

describe("inspection reports at the desk", () => {
  it("a failed report marks the lot non-conforming, says so, and its sales are refused", async () => {
    const lot = await seedLot(t, cast.producer, { count: 2 });
    await listForSale(t, cast.seller.key, lot.gtin);
    const res = await lab.submit(
      "/console/inspections",
      "/console/inspections",
      report(lot.lotKey, "fail", `TZ-${lot.lot}`),
    );
    expect(res.status).toBe(201);
    const html = await res.text();
    expect(html).toContain(`批次 ${lot.lotKey} 不合格`);
    expect(html).toContain(`TZ-${lot.lot}`);
    const [row] = await t.db.select().from(lots).where(eq(lots.id, lot.lotId));
    expect(row?.nonConforming).toBe(true);
    const [stored] = await t.db
      .select()
      .from(inspections)
      .where(eq(inspections.reportNumber, `TZ-${lot.lot}`));
    expect(stored?.testItems).toHaveLength(2);
    const sale = await t.request("POST", "/v1/events", {
      key: cast.seller.key,
      json: { kind: "sale", items: [lot.items[0]!.key], orderNumber: "NC-1" },
    });
    expect(sale.status).toBe(409);
    expect(((await sale.json()) as { rule: string }).rule).toBe("non_conforming_not_sold");
  });

  it("names a bad test-item line and writes nothing", async () => {
    const lot = await seedLot(t, cast.producer, { count: 1 });
    const res = await lab.submit("/console/inspections", "/console/inspections", {
      ...report(lot.lotKey, "pass", `BAD-${lot.lot}`),
      testItems: "毒死蜱 0.005",
    });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("检验项目第 1 行");
    expect(await t.db.$count(inspections, eq(inspections.reportNumber, `BAD-${lot.lot}`))).toBe(0);
  });

  it("is a laboratory's desk: a shop is refused it", async () => {
    expect((await shop.get("/console/inspections")).status).toBe(403);
    const lot = await seedLot(t, cast.producer, { count: 1 });
    const res = await shop.submit(
      "/console",
      "/console/inspections",
      report(lot.lotKey, "pass", `SHOP-${lot.lot}`),
    );
    expect(res.status).toBe(403);
    expect((await shop.get("/console/trace")).status).toBe(403);
  });
});

describe("the trace explorer", () => {
  it("shows an item's chain with each event verified against the signed checkpoint", async () => {
    const lot = await seedLot(t, cast.producer, { count: 1 });
    await listForSale(t, cast.seller.key, lot.gtin);
    await t.request("POST", "/v1/events", {
      key: cast.seller.key,
      json: { kind: "sale", items: [lot.items[0]!.key], orderNumber: "TR-1" },
    });
    const html = await (
      await lab.get(
        `/console/trace?code=${encodeURIComponent(`https://id.example${lot.items[0]!.key}`)}`,
      )
    ).text();
    expect(html).toContain(`data-testid="trace-key">${lot.items[0]!.key}`);
    expect(html).toMatch(/data-testid="trace-state">已售出/);
    expect(html).toContain("签名有效");
    const rows = [...html.matchAll(/data-event="\d+" data-verified="(\w+)"/g)].map((m) => m[1]);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows.every((r) => r === "ok")).toBe(true);
    expect(html).toContain("<svg");
    expect(html).toContain(`data-node="${cast.producer.org.id}"`);
  });

  it("pages through a lot's units and aggregates them by state and holder", async () => {
    const lot = await seedLot(t, cast.producer, { count: 150 });
    const first = await (
      await lab.get(`/console/trace?code=${encodeURIComponent(lot.lotKey)}`)
    ).text();
    expect(first).toContain("第 1–100 件，共 150 件");
    expect(first).toMatch(/data-state="commissioned">[\s\S]*?150/);
    expect((first.match(/data-unit=/g) ?? []).length).toBe(100);
    const second = await (
      await lab.get(`/console/trace?code=${encodeURIComponent(lot.lotKey)}&page=1`)
    ).text();
    expect(second).toContain("第 101–150 件，共 150 件");
    expect((second.match(/data-unit=/g) ?? []).length).toBe(50);
  });

  it("exports the trace as CSV, EPCIS and the offline-verifiable JSON", async () => {
    const lot = await seedLot(t, cast.producer, { count: 1 });
    const code = encodeURIComponent(lot.items[0]!.key);
    const csv = await lab.get(`/console/trace/export?code=${code}&format=csv`);
    expect(csv.headers.get("Content-Type")).toContain("text/csv");
    expect(csv.headers.get("Content-Disposition")).toContain("attachment");
    expect(await csv.text()).toContain("# checkpoint:");
    const epcis = await lab.get(`/console/trace/export?code=${code}&format=epcis`);
    expect(((await epcis.json()) as { type: string }).type).toBe("EPCISDocument");
    const json = await lab.get(`/console/trace/export?code=${code}&format=json`);
    expect(json.headers.get("Content-Disposition")).toContain(".json");
    const body = (await json.json()) as { format: string; checkpoint: unknown };
    expect(body.format).toBe("zhuisu-trace/v1");
    expect(body.checkpoint).not.toBeNull();
  });

  it("keeps a lot's serials to inspectors, regulators and the brand owner", async () => {
    const other = await makeOrg(t, ["producer"]);
    const m = await makeMember(t, other.org);
    const stranger = await consoleAgent(t, m.email, m.password);
    const lot = await seedLot(t, cast.producer, { count: 3 });
    const res = await stranger.get(`/console/trace?code=${encodeURIComponent(lot.lotKey)}`);
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain("data-unit=");
    const csv = await stranger.get(
      `/console/trace/export?code=${encodeURIComponent(lot.lotKey)}&format=csv`,
    );
    expect(csv.status).toBe(403);
  });

  it("says what is wrong with a code", async () => {
    const res = await lab.get("/console/trace?code=01234");
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("填写有误");
  });
});

describe("a recall from the explorer", () => {
  it("is for the brand owner and regulators; its progress shows units located, removed and scanned", async () => {
    const lot = await seedLot(t, cast.producer, { count: 3 });
    const asLab = await (
      await lab.get(`/console/trace?code=${encodeURIComponent(lot.lotKey)}`)
    ).text();
    expect(asLab).not.toContain('action="/console/trace/recall"');
    expect(asLab).toContain("召回由品牌方或监管部门发起");
    const started = await bureau.submit(
      `/console/trace?code=${encodeURIComponent(lot.lotKey)}`,
      "/console/trace/recall",
      {
        code: lot.lotKey,
        level: "I",
        reason: "农药残留超标",
        instructions: "立即停止销售并退回",
        contacts: "0576-88888888",
      },
    );
    expect(started.status).toBe(303);
    const location = started.headers.get("location")!;
    expect(location).toMatch(/^\/console\/recalls\/rcl_/);
    const before = await (await bureau.get(location)).text();
    expect(before).toContain("召回已发起");
    expect(before).toMatch(/data-testid="recall-total">3</);
    expect(before).toContain("召回后被消费者扫码 0 次");
    // A consumer scans a recalled unit: the notice reached one more person.
    t.clock.advance(60_000);
    await t.request("GET", lot.items[0]!.key);
    const after = await (await bureau.get(location.replace("?done=1", ""))).text();
    expect(after).toContain("召回后被消费者扫码 1 次（1 件）");
    const destroyed = await t.request("POST", "/v1/events", {
      key: cast.producer.key,
      json: { kind: "destroy", items: [lot.items[1]!.key], reason: "召回销毁" },
    });
    expect(destroyed.status).toBe(201);
    const later = await (await bureau.get(location.replace("?done=1", ""))).text();
    expect(later).toMatch(/data-testid="recall-removed">1</);
  });
});
