// The GS1 resolver on /01/…: default page, JSON, linksets, link-type redirects, errors, HEAD/OPTIONS, CORS.
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { client, type Story, seedStory } from "../../../test/browser/scenario";
import { type Cast, makeCast } from "../../../test/factories";
import { seedLot } from "../../../test/seed";
import { compressDigitalLinkSegment } from "../../codes";
import { alerts, inspections, lots, recalls, scans } from "../../db/schema";
import { ProblemSchema } from "../../lib/router";
import { Linkset, RecallStatus, ScanView } from "./schemas";

let t: TestApp;
let cast: Cast;
let story: Story;
let n = 0;
/** Every request from its own client, so the per-client limits stay out of the way. */
const get = (path: string, headers: Record<string, string> = {}) =>
  t.request("GET", path, { headers: { ...client(++n), ...headers } });

beforeAll(async () => {
  t = await createTestApp();
  cast = await makeCast(t);
  story = await seedStory(t, cast);
});
afterAll(() => t.close());

describe("the default link: the scan page", () => {
  it("serves the item page in Chinese, with CSP, a linkset Link header and no caching", async () => {
    const res = await get(`${story.item}?17=260820`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(res.headers.get("content-security-policy")).toContain("form-action 'self'");
    expect(res.headers.get("link")).toBe(
      `<https://zhuisu.test${story.item}?linkType=linkset>; rel="linkset"; type="application/linkset+json"`,
    );
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("vary")).toContain("Accept");
    const html = await res.text();
    expect(html).toContain('<html lang="zh-CN">');
    for (const text of [
      "黄岩蜜橘",
      "浙江省 台州市 黄岩区",
      "台州市食品检验所",
      "生产赋码",
      "签收",
      "橘乡网店",
      "此码已被扫描",
    ]) {
      expect(html).toContain(text);
    }
    expect(html).toContain(`/v1/inspections/${story.inspectionId}/report.pdf`);
  });

  it("speaks English by Accept-Language or by the switch, and links the other language", async () => {
    const byHeader = await (
      await get(story.item, { "Accept-Language": "en-GB,en;q=0.9,zh;q=0.5" })
    ).text();
    expect(byHeader).toContain('<html lang="en">');
    expect(byHeader).toContain("Chain of custody");
    expect(byHeader).toContain("Huangyan mandarin");
    expect(byHeader).toContain("?lang=zh");
    const bySwitch = await (
      await get(`${story.item}?lang=en`, { "Accept-Language": "zh-CN" })
    ).text();
    expect(bySwitch).toContain("Inspection reports");
    const zh = await (
      await get(story.item, { "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8" })
    ).text();
    expect(zh).toContain("流通记录");
  });

  it("serves product and lot pages and the lot-qualified item path too", async () => {
    expect((await get(`/01/${story.lot.gtin}`)).status).toBe(200);
    const lotPage = await get(story.lot.lotKey);
    expect(lotPage.status).toBe(200);
    expect(await lotPage.text()).toContain("橘乡网店");
    const serial = story.item.split("/21/")[1]!;
    const res = await get(`${story.lot.lotKey}/21/${serial}`, { Accept: "application/json" });
    expect(res.status).toBe(200);
    const view = ScanView.parse(await res.json());
    expect(view.key).toBe(story.item);
    expect(view.warnings.map((w) => w.kind)).not.toContain("lot_mismatch");
  });

  it("warns when the lot on the code is not the item's lot", async () => {
    const serial = story.item.split("/21/")[1]!;
    const html = await (await get(`/01/${story.lot.gtin}/10/OTHERLOT/21/${serial}`)).text();
    expect(html).toContain('class="warn"');
    expect(html).toContain("OTHERLOT");
  });
});

describe("JSON and linksets", () => {
  it("returns the page's content as JSON for Accept: application/json", async () => {
    const res = await get(story.item, { Accept: "application/json" });
    expect(res.status).toBe(200);
    const view = ScanView.parse(await res.json());
    expect(view.level).toBe("item");
    expect(view.origin.producer.uscc).toBe(cast.producer.org.uscc);
    expect(view.timeline.map((e) => e.kind)).toEqual([
      "commission",
      "sale",
      "dispatch",
      "sign_off",
    ]);
    expect(view.timeline[2]?.destination).toEqual(["浙江省", "杭州市"]);
    expect(view.inspections[0]?.conclusion).toBe("pass");
    expect(view.sellers[0]?.id).toBe(cast.seller.org.id);
    expect(view.scans?.count).toBeGreaterThan(0);
    // No personal data of buyers: no waybill, order number or buyer reference.
    expect(JSON.stringify(view)).not.toMatch(/SF\d{10}|buyer-1|O-/);
  });

  it("returns an RFC 9264 linkset of every level for ?linkType=linkset and for the linkset media type", async () => {
    for (const res of [
      await get(`${story.item}?linkType=linkset`),
      await get(story.item, { Accept: "application/linkset+json" }),
    ]) {
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/linkset+json");
      const set = Linkset.parse(await res.json());
      expect(set.linkset.map((c) => c.anchor)).toEqual([
        `https://zhuisu.test/01/${story.lot.gtin}`,
        `https://zhuisu.test${story.lot.lotKey}`,
        `https://zhuisu.test${story.item}`,
      ]);
      const item = set.linkset[2]!;
      expect(item["https://gs1.org/voc/defaultLink"]).toEqual(item["https://gs1.org/voc/pip"]);
      expect(Object.keys(item)).toEqual(
        expect.arrayContaining([
          "https://gs1.org/voc/certificationInfo",
          "https://gs1.org/voc/leaveReview",
          "https://gs1.org/voc/traceability",
        ]),
      );
    }
  });
});

describe("link types", () => {
  it("redirects (307) to each link, passing the query string on", async () => {
    const cases: [string, string][] = [
      ["gs1:certificationInfo", `/v1/inspections/${story.inspectionId}/report.pdf?17=260820`],
      ["gs1:traceability", `/v1/history${story.item}?17=260820`],
      ["gs1:recallStatus", `/v1/recall-status${story.item}?17=260820`],
      ["gs1:review", `/v1/products/${story.lot.gtin}/reviews?17=260820`],
      ["gs1:leaveReview", `${story.item}?17=260820#review`],
      ["https://gs1.org/voc/epcis", "/epcis/epcs/"],
    ];
    for (const [type, target] of cases) {
      const res = await get(`${story.item}?17=260820&linkType=${encodeURIComponent(type)}`);
      expect(res.status, type).toBe(307);
      expect(res.headers.get("location"), type).toContain(`https://zhuisu.test${target}`);
    }
  });

  it("serves the page for gs1:pip and answers 404 for unknown or unavailable link types", async () => {
    expect((await get(`${story.item}?linkType=gs1:pip`)).status).toBe(200);
    const unknown = await get(`${story.item}?linkType=gs1:nutritionalInfo`, {
      Accept: "application/json",
    });
    expect(unknown.status).toBe(404);
    expect(ProblemSchema.parse(await unknown.json()).detail).toContain("gs1resolver");
    // Inspection reports belong to lots: a product-level code has none.
    const product = await get(`/01/${story.lot.gtin}?linkType=gs1:certificationInfo`, {
      Accept: "application/json",
    });
    expect(product.status).toBe(404);
  });
});

describe("errors", () => {
  it("answers a malformed Digital Link with 400 and a page saying what is wrong", async () => {
    const bad = `/01/${story.lot.gtin.slice(0, 13)}${(Number(story.lot.gtin[13]) + 1) % 10}`;
    const res = await get(bad);
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain("码的格式不正确");
    expect(html).toMatch(/check digit/);
    expect(html).not.toMatch(/\n\s+at /);
    const json = await get(bad, { Accept: "application/json" });
    expect(json.status).toBe(400);
    expect(json.headers.get("content-type")).toMatch(/problem\+json/);
    const problem = ProblemSchema.parse(await json.json());
    expect(problem.code).toBe("invalid_code");
    expect((problem.codeError as { position: number }).position).toBe(14);
    expect((await get("/01/06901234567892/99/x")).status).toBe(400);
    expect((await get("/01/06901234567892/21/a/b")).status).toBe(400);
  });

  it("refuses what GS1 URI syntax refuses, naming the fault", async () => {
    const problem = async (path: string) => {
      const res = await get(path, { Accept: "application/json" });
      expect(res.status).toBe(400);
      return ProblemSchema.parse(await res.json()).codeError as { code: string; message: string };
    };
    const gtin13 = story.lot.gtin.slice(1);
    expect(await problem(`/01/${gtin13}`)).toMatchObject({
      code: "bad_length",
      message: expect.stringContaining("expected 14 digits, got 13 digits"),
    });
    expect((await problem(`/01/${story.lot.gtin}/`)).code).toBe("trailing_slash");
    expect((await problem(`${story.item}/`)).code).toBe("trailing_slash");
    expect((await problem("/01//10/x")).code).toBe("empty_value");
  });

  it("reads the deprecated convenience alphas /gtin/…/lot/…/ser/… as /01/…/10/…/21/…", async () => {
    const serial = story.item.split("/21/")[1]!;
    const res = await get(`/gtin/${story.lot.gtin}/ser/${serial}`, { Accept: "application/json" });
    expect(res.status).toBe(200);
    expect(ScanView.parse(await res.json()).key).toBe(story.item);
    const lot = story.lot.lotKey.split("/10/")[1]!;
    expect((await get(`/gtin/${story.lot.gtin}/lot/${lot}`)).status).toBe(200);
  });

  it("answers a compressed Digital Link as the uncompressed one, naming it with owl:sameAs", async () => {
    const serial = story.item.split("/21/")[1]!;
    const lot = story.lot.lotKey.split("/10/")[1]!;
    const parts = {
      primaryKey: { ai: "01", value: story.lot.gtin },
      qualifiers: [
        { ai: "10", value: lot },
        { ai: "21", value: serial },
      ],
      attributes: { "17": "260820" },
      otherParams: {},
    };
    const compressed = `/${compressDigitalLinkSegment(parts)}`;
    const res = await get(compressed, { Accept: "application/json" });
    expect(res.status).toBe(200);
    expect(ScanView.parse(await res.json()).key).toBe(story.item);
    expect(res.headers.get("link")).toContain(
      `<https://zhuisu.test/01/${story.lot.gtin}/10/${lot}/21/${serial}?17=260820>; rel="owl:sameAs"`,
    );
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    // Link types and linksets work on the compressed form too; the query string passes through.
    const redirect = await get(`${compressed}?linkType=gs1:certificationInfo&x=1`);
    expect(redirect.status).toBe(307);
    expect(redirect.headers.get("location")).toContain("x=1");
    const set = await get(`${compressed}?linkType=linkset`);
    expect(set.headers.get("content-type")).toContain("application/linkset+json");
    // Its CORS preflight is answered as on /01/…
    const pre = await t.request("OPTIONS", compressed, {
      headers: { Origin: "https://scanner.example", "Access-Control-Request-Method": "GET" },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("*");
    expect(pre.headers.get("access-control-allow-methods")).toContain("HEAD");
    // A one-segment path that is no compressed Digital Link is left to the other routes.
    expect((await get("/not-a-compressed-link")).status).toBe(404);
    expect((await t.request("OPTIONS", "/not-a-compressed-link")).status).not.toBe(204);
    expect((await get("/healthz")).status).not.toBe(400);
  });

  it("answers an unknown key with 404, says it is not registered, and counts unknown serials per GTIN", async () => {
    const res = await get(`/01/${story.lot.gtin}/21/NEVERISSUED1`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("此码未在本平台登记，可能是假冒产品");
    await get(`/01/${story.lot.gtin}/21/NEVERISSUED2`, { Accept: "application/json" });
    const [alert] = await t.db
      .select()
      .from(alerts)
      .where(
        and(eq(alerts.kind, "counterfeit_scan"), eq(alerts.subjectKey, `/01/${story.lot.gtin}`)),
      );
    expect(alert?.orgId).toBe(cast.producer.org.id);
    expect(alert?.details).toMatchObject({
      unknownScans: 2,
      distinctSerials: 2,
      lastSerial: "NEVERISSUED2",
    });
    // A GTIN nobody registered has no brand owner to tell: not found, nothing counted.
    expect((await get("/01/06901234567892/21/X1")).status).toBe(404);
    const counted = await t.db.select().from(scans).where(eq(scans.gtin, "06901234567892"));
    expect(counted).toHaveLength(0);
  });
});

describe("HTTP methods and CORS", () => {
  it("answers HEAD like GET without a body and without counting a scan", async () => {
    const before = (await t.db.select().from(scans).where(eq(scans.itemId, story.lot.items[0]!.id)))
      .length;
    const res = await t.request("HEAD", story.item, { headers: client(9000) });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
    const after = (await t.db.select().from(scans).where(eq(scans.itemId, story.lot.items[0]!.id)))
      .length;
    expect(after).toBe(before);
    expect((await t.request("HEAD", "/01/06901234567890")).status).toBe(400);
  });

  it("answers OPTIONS and sends CORS headers on the resolver and its description", async () => {
    const pre = await t.request("OPTIONS", story.item, {
      headers: { Origin: "https://scanner.example", "Access-Control-Request-Method": "GET" },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("*");
    expect(pre.headers.get("access-control-allow-methods")).toContain("HEAD");
    const res = await get(story.item, { Origin: "https://scanner.example" });
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-expose-headers")).toContain("Link");
  });

  it("describes itself at /.well-known/gs1resolver", async () => {
    const res = await get("/.well-known/gs1resolver");
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.resolverRoot).toBe("https://zhuisu.test");
    expect(body.supportedPrimaryKeys).toEqual(["01"]);
    expect(Object.keys((body.activeLinkTypes as { en: object }).en)).toContain(
      "gs1:certificationInfo",
    );
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });
});

describe("warnings and recall status", () => {
  it("shows a red warning for a recalled lot and says so at gs1:recallStatus", async () => {
    const recalled = await seedStory(t, cast, { until: "sold" });
    await t.db.update(lots).set({ recalled: true }).where(eq(lots.id, recalled.lot.lotId));
    await t.db.insert(recalls).values({
      id: `rcl_${n}`,
      gtin: recalled.lot.gtin,
      lotIds: [recalled.lot.lotId],
      level: "I",
      reason: "检出农药残留超标",
      instructions: "请停止食用并联系商家退货",
      contacts: "0576-12345678",
      initiatedByOrgId: cast.producer.org.id,
      createdAt: t.clock.now(),
    });
    const html = await (await get(recalled.item)).text();
    expect(html).toContain('class="warn"');
    expect(html).toContain("该批次已被召回");
    expect(html).toContain("检出农药残留超标");
    const status = await get(`/v1/recall-status${recalled.item}`);
    const body = RecallStatus.parse(await status.json());
    expect(body.recalled).toBe(true);
    expect(body.recalls[0]?.level).toBe("I");
    const other = RecallStatus.parse(await (await get(`/v1/recall-status${story.item}`)).json());
    expect(other.recalled).toBe(false);
  });

  it("warns about a failed inspection and notes an expired lot in amber", async () => {
    const lot = await seedLot(t, cast.producer, { count: 1 });
    await t.db
      .update(lots)
      .set({ nonConforming: true, expiryDate: "2026-05-01" })
      .where(eq(lots.id, lot.lotId));
    await t.db.insert(inspections).values({
      id: `ins_fail_${n}`,
      lotId: lot.lotId,
      gtin: lot.gtin,
      lot: lot.lot,
      inspectorOrgId: cast.inspector.org.id,
      reportNumber: `FAIL-${n}`,
      issueDate: "2026-05-30",
      conclusion: "fail",
      createdAt: t.clock.now(),
    });
    const res = await get(lot.items[0]!.key, { Accept: "application/json" });
    const view = ScanView.parse(await res.json());
    expect(view.warnings.map((w) => w.kind)).toContain("non_conforming");
    expect(view.expired).toBe(true);
    const html = await (await get(lot.items[0]!.key)).text();
    expect(html).toContain("该批次检验不合格");
    expect(html).toContain('class="note"');
    expect(html).toContain("已过保质期");
  });
});

describe("scan rate limit", () => {
  it("refuses a client past its scan budget with 429, Retry-After and a page", async () => {
    const me = client(50_000);
    let last: Response | undefined;
    for (let i = 0; i < 61; i++)
      last = await t.request("GET", "/01/06901234567890", { headers: me });
    expect(last?.status).toBe(429);
    expect(Number(last?.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await last?.text()).toContain("请求太频繁");
    t.clock.advance(2_000);
    expect((await t.request("GET", "/01/06901234567890", { headers: me })).status).toBe(400);
  });
});
