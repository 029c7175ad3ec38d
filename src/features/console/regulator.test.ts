// The regulator's desks over HTTP: the verification queue, the alert queue with evidence, bulk
// decisions and thresholds, complaints with their effect on credit, the red and black lists; each
// inside the member's jurisdiction only, and none of it for members of other organisations.
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { makeMember, makeOrg, type OrgWithKey } from "../../../test/factories";
import { type ConsoleAgent, consoleAgent } from "../../../test/helpers/console-agent";
import { seedLot } from "../../../test/seed";
import { activity, alerts, complaints, listEntries, orgs } from "../../db/schema";
import { randomString } from "../../lib/random";
import { regulatorRoutes } from "./regulator";

let t: TestApp;
let taizhou: OrgWithKey;
let desk: ConsoleAgent;
let nationalDesk: ConsoleAgent;
let sellerDesk: ConsoleAgent;
let near: OrgWithKey;
let far: OrgWithKey;

const id = (prefix: string) => `${prefix}_${randomString(12, "abcdefghijkmnpqrstuvwxyz23456789")}`;

beforeAll(async () => {
  t = await createTestApp();
  taizhou = await makeOrg(t, ["regulator"], {
    nameZh: "台州市市场监督管理局",
    regionCode: "331002",
    jurisdiction: "331000",
  });
  const national = await makeOrg(t, ["regulator"], { nameZh: "国家市场监督管理总局" });
  near = await makeOrg(t, ["seller"], { regionCode: "331003", nameZh: "黄岩橘乡网店" });
  far = await makeOrg(t, ["seller"], { regionCode: "330106", nameZh: "西湖网店" });
  const m = await makeMember(t, taizhou.org, { displayName: "陈科长" });
  desk = await consoleAgent(t, m.email, m.password);
  const n = await makeMember(t, national.org);
  nationalDesk = await consoleAgent(t, n.email, n.password);
  const s = await makeMember(t, near.org);
  sellerDesk = await consoleAgent(t, s.email, s.password);
});
afterAll(() => t.close());

async function alertAbout(orgId: string, kind: "sales_burst" | "empty_parcel" = "sales_burst") {
  const alertId = id("alt");
  const now = t.clock.now();
  await t.db.insert(alerts).values({
    id: alertId,
    kind,
    severity: "high",
    subjectKey: orgId,
    orgId,
    evidence: [],
    details: { orders: 12 },
    dedupeKey: alertId,
    createdAt: now,
    updatedAt: now,
  });
  return alertId;
}

describe("the regulator's desks are the regulator's", () => {
  const routes = regulatorRoutes.routes.map((r) => ({
    method: r.method,
    path: r.path.replace(/:(\w+)/g, "zz_$1"),
  }));

  it("are listed (the test would pass vacuously otherwise)", () => {
    expect(routes.filter((r) => r.method === "GET").length).toBeGreaterThanOrEqual(7);
    expect(routes.filter((r) => r.method === "POST").length).toBeGreaterThanOrEqual(8);
  });

  it("refuse a member of any other organisation every page and every form", async () => {
    const csrf = await sellerDesk.csrfOf("/console");
    const before = await t.db.$count(activity, eq(activity.orgId, near.org.id));
    for (const r of routes) {
      const res =
        r.method === "GET"
          ? await sellerDesk.get(r.path)
          : await sellerDesk.post(r.path, { _csrf: csrf, reason: "试试", status: "verified" });
      expect(res.status, `${r.method} ${r.path}`).toBe(403);
      expect(await res.text(), r.path).toContain("监管部门");
    }
    expect(await t.db.$count(activity, eq(activity.orgId, near.org.id))).toBe(before);
  });

  it("show the regulator its own navigation and jurisdiction", async () => {
    const home = await (await desk.get("/console")).text();
    expect(home).toContain('href="/console/regulate/orgs"');
    expect(home).toContain('href="/console/regulate/alerts"');
    const queue = await (await desk.get("/console/regulate/orgs")).text();
    expect(queue).toContain("辖区：浙江省 台州市 (331000)");
  });
});

describe("verification queue", () => {
  it("verifies an organisation waiting inside the jurisdiction, with the reason kept in its history", async () => {
    const waiting = await makeOrg(t, ["seller"], {
      status: "pending",
      regionCode: "331003",
      nameZh: "新开的橘子店",
    });
    const elsewhere = await makeOrg(t, ["seller"], {
      status: "pending",
      regionCode: "330106",
      nameZh: "杭州新店",
    });
    const queue = await (await desk.get("/console/regulate/orgs")).text();
    expect(queue).toContain("新开的橘子店");
    expect(queue).not.toContain("杭州新店");
    expect(queue).toContain("校验位正确");
    expect(queue).toContain("JY13310020012345");
    const res = await desk.submit(
      "/console/regulate/orgs",
      `/console/regulate/orgs/${waiting.org.id}/status`,
      { status: "verified", reason: "营业执照与许可证核对无误" },
    );
    expect(res.status).toBe(303);
    const page = await (await desk.get(res.headers.get("location")!)).text();
    expect(page).toContain("已记录决定");
    expect(page).toMatch(/data-testid="org-status">\s*已核验/);
    expect(page).toContain("营业执照与许可证核对无误");
    expect(page).toContain("台州市市场监督管理局");

    const refused = await desk.submit(
      "/console/regulate/orgs",
      `/console/regulate/orgs/${elsewhere.org.id}/status`,
      { status: "verified", reason: "越权" },
    );
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("331000");
    const [still] = await t.db.select().from(orgs).where(eq(orgs.id, elsewhere.org.id));
    expect(still?.status).toBe("pending");
  });

  it("refuses without a reason, naming the field, and writes nothing", async () => {
    const waiting = await makeOrg(t, ["seller"], { status: "pending", regionCode: "331003" });
    const res = await desk.submit(
      "/console/regulate/orgs",
      `/console/regulate/orgs/${waiting.org.id}/status`,
      { status: "verified", reason: "" },
    );
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("reason");
    const [still] = await t.db.select().from(orgs).where(eq(orgs.id, waiting.org.id));
    expect(still?.status).toBe("pending");
  });
});

describe("alert queue", () => {
  it("filters by rule and region, and shows nothing from outside the jurisdiction", async () => {
    const a = await alertAbout(near.org.id, "empty_parcel");
    const b = await alertAbout(far.org.id, "empty_parcel");
    const page = await (await desk.get("/console/regulate/alerts?kind=empty_parcel")).text();
    expect(page).toContain(`data-alert="${a}"`);
    expect(page).not.toContain(`data-alert="${b}"`);
    const other = await (await desk.get("/console/regulate/alerts?kind=sales_burst")).text();
    expect(other).not.toContain(`data-alert="${a}"`);
    const byRegion = await (await desk.get("/console/regulate/alerts?region=331002")).text();
    expect(byRegion).not.toContain(`data-alert="${a}"`);
    expect((await desk.get(`/console/regulate/alerts/${b}`)).status).toBe(404);
  });

  it("opens one with its details and confirms it with a reason", async () => {
    const a = await alertAbout(near.org.id);
    const page = await (await desk.get(`/console/regulate/alerts/${a}`)).text();
    expect(page).toContain("黄岩橘乡网店");
    expect(page).toContain("orders");
    const res = await desk.submit(
      `/console/regulate/alerts/${a}`,
      `/console/regulate/alerts/${a}/decision`,
      { status: "confirmed", reason: "同一买家十二单，查实刷单" },
    );
    expect(res.status).toBe(303);
    const after = await (await desk.get(res.headers.get("location")!)).text();
    expect(after).toMatch(/data-testid="alert-status">\s*confirmed/);
    const [row] = await t.db.select().from(alerts).where(eq(alerts.id, a));
    expect(row?.decidedByOrgId).toBe(taizhou.org.id);
  });

  it("decides the ticked alerts together, all or none", async () => {
    const [a, b] = [await alertAbout(near.org.id), await alertAbout(near.org.id)];
    const outside = await alertAbout(far.org.id);
    const mixed = await desk.submit("/console/regulate/alerts", "/console/regulate/alerts/bulk", {
      [`pick_${a}`]: "1",
      [`pick_${outside}`]: "1",
      status: "dismissed",
      reason: "误报",
    });
    expect(mixed.status).toBe(404);
    const [untouched] = await t.db.select().from(alerts).where(eq(alerts.id, a!));
    expect(untouched?.status).toBe("open");
    const none = await desk.submit("/console/regulate/alerts", "/console/regulate/alerts/bulk", {
      status: "dismissed",
      reason: "误报",
    });
    expect(none.status).toBe(422);
    const res = await desk.submit("/console/regulate/alerts", "/console/regulate/alerts/bulk", {
      [`pick_${a}`]: "1",
      [`pick_${b}`]: "1",
      status: "dismissed",
      reason: "误报：同一单位的集体采购",
    });
    expect(res.status).toBe(303);
    expect(await (await desk.get(res.headers.get("location")!)).text()).toContain("已处理 2 条");
    for (const x of [a!, b!]) {
      const [row] = await t.db.select().from(alerts).where(eq(alerts.id, x));
      expect(row?.status).toBe("dismissed");
    }
  });

  it("shows the thresholds to every regulator and lets only a national one change them, with validation", async () => {
    const page = await (await desk.get("/console/regulate/thresholds")).text();
    expect(page).toContain('name="emptyParcel.maxWeightRatio"');
    const local = await desk.submit(
      "/console/regulate/thresholds",
      "/console/regulate/thresholds",
      {
        "emptyParcel.maxWeightRatio": "0.4",
      },
    );
    expect(local.status).toBe(403);
    const form = await (await nationalDesk.get("/console/regulate/thresholds")).text();
    const fields = Object.fromEntries(
      [...form.matchAll(/name="([a-zA-Z]+\.[a-zA-Z]+)" value="([^"]*)"/g)].map((m) => [
        m[1]!,
        m[2]!,
      ]),
    );
    expect(Object.keys(fields).length).toBeGreaterThan(10);
    const bad = await nationalDesk.submit(
      "/console/regulate/thresholds",
      "/console/regulate/thresholds",
      { ...fields, "emptyParcel.maxWeightRatio": "5" },
    );
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("emptyParcel.maxWeightRatio");
    const good = await nationalDesk.submit(
      "/console/regulate/thresholds",
      "/console/regulate/thresholds",
      { ...fields, "emptyParcel.maxWeightRatio": "0.4" },
    );
    expect(good.status).toBe(200);
    const saved = (await (await t.request("GET", "/v1/alerts/thresholds")).json()) as {
      emptyParcel: { maxWeightRatio: number };
    };
    expect(saved.emptyParcel.maxWeightRatio).toBe(0.4);
  });
});

describe("complaints", () => {
  it("decides a complaint inside the jurisdiction and shows the seller's credit after it", async () => {
    const inside = id("cmp");
    const outside = id("cmp");
    await t.db.insert(complaints).values([
      {
        id: inside,
        sellerOrgId: near.org.id,
        category: "quality",
        text: "收到的橘子一半发霉",
        createdAt: t.clock.now(),
      },
      {
        id: outside,
        sellerOrgId: far.org.id,
        category: "quality",
        text: "杭州的投诉",
        createdAt: t.clock.now(),
      },
    ]);
    const page = await (await desk.get("/console/regulate/complaints")).text();
    expect(page).toContain("收到的橘子一半发霉");
    expect(page).not.toContain("杭州的投诉");
    const res = await desk.submit(
      "/console/regulate/complaints",
      `/console/regulate/complaints/${inside}/decision`,
      { decision: "upheld", reason: "照片与检验结果一致" },
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/已裁定。该销售者信用现为 [ABCDM]/);
    const [row] = await t.db.select().from(complaints).where(eq(complaints.id, inside));
    expect(row?.status).toBe("upheld");
    const refused = await desk.submit(
      "/console/regulate/complaints",
      `/console/regulate/complaints/${outside}/decision`,
      { decision: "upheld", reason: "越权" },
    );
    expect(refused.status).toBe(404);
  });
});

describe("red and black lists", () => {
  it("black-lists a seller by its USCC, shows it published, and lifts it", async () => {
    const shady = await makeOrg(t, ["seller"], { regionCode: "331003", nameZh: "刷单小店" });
    const res = await desk.submit("/console/regulate/lists", "/console/regulate/lists", {
      org: shady.org.uscc!,
      list: "black",
      severity: "general",
      listedOn: t.clock.now().toISOString().slice(0, 10),
      listReason: "组织虚假交易",
      legalBasis: "《中华人民共和国电子商务法》第十七条",
      authority: "台州市市场监督管理局",
    });
    expect(res.status).toBe(303);
    const page = await (await desk.get(res.headers.get("location")!)).text();
    expect(page).toContain("已列入名单");
    expect(page).toContain("刷单小店");
    const profile = (await (await t.request("GET", `/v1/orgs/${shady.org.id}`)).json()) as {
      lists: { list: string }[];
    };
    expect(profile.lists.map((l) => l.list)).toEqual(["black"]);
    // And the seller can no longer list or sell.
    const listing = await t.request("POST", "/v1/events", {
      key: shady.key,
      json: {
        kind: "listing",
        code: (await seedLot(t, near, { count: 0 })).gtin,
        shopName: "刷单小店",
        listingUrl: "https://shop.example.cn/s",
        price: 1,
      },
    });
    expect(listing.status).toBe(403);

    const [entry] = await t.db
      .select()
      .from(listEntries)
      .where(eq(listEntries.orgId, shady.org.id));
    const lifted = await desk.submit(
      "/console/regulate/lists",
      `/console/regulate/lists/${entry!.id}/removal`,
      { reason: "行政复议撤销原决定" },
    );
    expect(lifted.status).toBe(303);
    expect(await (await desk.get(lifted.headers.get("location")!)).text()).toContain("已移出名单");
  });

  it("refuses to list an organisation outside the jurisdiction, or one that does not exist", async () => {
    const form = {
      list: "black",
      severity: "minor",
      listedOn: t.clock.now().toISOString().slice(0, 10),
      listReason: "虚假宣传",
      legalBasis: "《反不正当竞争法》第八条",
      authority: "台州市市场监督管理局",
    };
    const outside = await desk.submit("/console/regulate/lists", "/console/regulate/lists", {
      ...form,
      org: far.org.id,
    });
    expect(outside.status).toBe(403);
    const missing = await desk.submit("/console/regulate/lists", "/console/regulate/lists", {
      ...form,
      org: "org_nobody",
    });
    expect(missing.status).toBe(422);
    const html = await missing.text();
    expect(html).toContain("找不到主体 org_nobody");
    // The form keeps what was typed.
    expect(html).toContain("虚假宣传");
    expect(await t.db.$count(listEntries, eq(listEntries.orgId, far.org.id))).toBe(0);
  });
});
