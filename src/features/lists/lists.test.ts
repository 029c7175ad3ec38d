// Red and black lists end to end: decisions, publication windows, the black list's teeth, credit repair.
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { type Cast, makeCast, makeOrg, type OrgWithKey } from "../../../test/factories";
import { seedLot } from "../../../test/seed";
import { listEntries, listRepairs } from "../../db/schema";
import { call, listLot } from "../credit/trade.fixtures";
import { PublicOrg } from "../orgs/schemas";
import { addMonths } from "./periods";
import { ListEntryPage, ListEntryView, RepairView } from "./schemas";

let t: TestApp;
let cast: Cast;
beforeAll(async () => {
  t = await createTestApp();
  cast = await makeCast(t);
});
afterAll(() => t.close());

const today = () => t.clock.now().toISOString().slice(0, 10);
const entryCount = async () => (await t.db.select({ n: count() }).from(listEntries))[0]!.n;
const repairCount = async () => (await t.db.select({ n: count() }).from(listRepairs))[0]!.n;

function decision(orgId: string, over: Record<string, unknown> = {}) {
  return {
    orgId,
    list: "black",
    reason: "组织虚假交易（刷单炒信）",
    legalBasis: "《中华人民共和国电子商务法》第十七条",
    authority: "台州市市场监督管理局",
    severity: "general",
    listedOn: today(),
    ...over,
  };
}

async function list(org: OrgWithKey, over: Record<string, unknown> = {}) {
  const res = await call(t, "POST", "/v1/lists", cast.regulator.key, decision(org.org.id, over));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return ListEntryView.parse(res.body);
}

describe("listing an organisation", () => {
  it("computes the publication window from the severity and publishes the entry", async () => {
    const org = await makeOrg(t, ["seller"], { regionCode: "330106" });
    const entry = await list(org);
    expect(entry).toMatchObject({
      list: "black",
      severity: "general",
      listedOn: today(),
      minPublishUntil: addMonths(today(), 3),
      maxPublishUntil: addMonths(today(), 12),
      published: true,
      removal: null,
    });
    expect(entry.org).toMatchObject({ id: org.org.id, uscc: org.org.uscc });
    expect(entry.appeal).toContain("行政复议");

    const page = ListEntryPage.parse((await call(t, "GET", "/v1/lists?list=black&region=33")).body);
    expect(page.items.map((e) => e.id)).toContain(entry.id);
    const beijing = ListEntryPage.parse((await call(t, "GET", "/v1/lists?region=11")).body);
    expect(beijing.items.map((e) => e.id)).not.toContain(entry.id);
    const red = ListEntryPage.parse((await call(t, "GET", "/v1/lists?list=red")).body);
    expect(red.items.map((e) => e.id)).not.toContain(entry.id);
  });

  it("pages through the published entries", async () => {
    for (let i = 0; i < 3; i++) await list(await makeOrg(t, ["seller"]), { list: "red" });
    const first = ListEntryPage.parse((await call(t, "GET", "/v1/lists?list=red&limit=2")).body);
    expect(first.items).toHaveLength(2);
    const second = ListEntryPage.parse(
      (await call(t, "GET", `/v1/lists?list=red&limit=2&cursor=${first.next}`)).body,
    );
    expect(second.items.map((e) => e.id)).not.toContain(first.items[0]!.id);
  });

  it("is the regulator's decision: anyone else gets a 403 problem and nothing is written", async () => {
    const org = await makeOrg(t, ["seller"]);
    const before = await entryCount();
    for (const caller of [cast.inspector, cast.seller]) {
      const res = await call(t, "POST", "/v1/lists", caller.key, decision(org.org.id));
      expect(res.status).toBe(403);
      expect(res.contentType).toMatch(/problem\+json/);
    }
    expect((await call(t, "POST", "/v1/lists", undefined, decision(org.org.id))).status).toBe(401);
    expect(await entryCount()).toBe(before);
  });

  it("refuses a future date, an unknown organisation and an unknown severity, writing nothing", async () => {
    const org = await makeOrg(t, ["seller"]);
    const before = await entryCount();
    const future = await call(
      t,
      "POST",
      "/v1/lists",
      cast.regulator.key,
      decision(org.org.id, { listedOn: "2099-01-01" }),
    );
    expect(future.status).toBe(422);
    expect(future.body.errors?.[0]?.path).toBe("json.listedOn");
    const unknown = await call(t, "POST", "/v1/lists", cast.regulator.key, decision("org_nobody"));
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors?.[0]?.path).toBe("json.orgId");
    const severity = await call(
      t,
      "POST",
      "/v1/lists",
      cast.regulator.key,
      decision(org.org.id, { severity: "huge" }),
    );
    expect(severity.status).toBe(422);
    expect(await entryCount()).toBe(before);
  });
});

describe("the black list's teeth", () => {
  it("stops a black-listed seller from listing and selling (403 with the entry) and shows the entry", async () => {
    const seller = await makeOrg(t, ["seller"]);
    const lot = await seedLot(t, cast.producer, { count: 1 });
    await listLot(t, seller, lot);
    const entry = await list(seller);
    const sale = await call(t, "POST", "/v1/events", seller.key, {
      kind: "sale",
      items: [lot.items[0]!.key],
      orderNumber: "B-1",
    });
    expect(sale.status).toBe(403);
    expect((sale.body.listEntry as { id: string }).id).toBe(entry.id);
    const listing = await call(t, "POST", "/v1/events", seller.key, {
      kind: "listing",
      code: lot.gtin,
      shopName: "换个马甲",
      listingUrl: "https://shop.example.cn/2",
      price: 1,
    });
    expect(listing.status).toBe(403);
    const profile = PublicOrg.parse((await call(t, "GET", `/v1/orgs/${seller.org.id}`)).body);
    expect(profile.lists.map((l) => l.id)).toEqual([entry.id]);
    expect(profile.credit.grade).toBe("D");
  });

  it("gives a red-listed organisation its badge", async () => {
    const org = await makeOrg(t, ["producer"]);
    const entry = await list(org, { list: "red", reason: "诚信经营示范" });
    expect(entry.maxPublishUntil).toBe(addMonths(today(), 12));
    const profile = PublicOrg.parse((await call(t, "GET", `/v1/orgs/${org.org.id}`)).body);
    expect(profile.lists[0]).toMatchObject({ id: entry.id, list: "red" });
  });
});

describe("credit repair", () => {
  it("is refused before the minimum period with a 422 naming the date, writing nothing", async () => {
    const org = await makeOrg(t, ["seller"]);
    const entry = await list(org);
    const before = await repairCount();
    const res = await call(t, "POST", `/v1/lists/${entry.id}/repair`, org.key, {
      statement: "已整改完毕",
    });
    expect(res.status).toBe(422);
    expect(res.contentType).toMatch(/problem\+json/);
    expect(res.body.minPublishUntil).toBe(entry.minPublishUntil);
    expect(res.body.detail).toContain(entry.minPublishUntil);
    expect(res.body.errors?.[0]?.path).toBe("minPublishUntil");
    expect(await repairCount()).toBe(before);
  });

  it("runs request → rejection → request → grant, and publication then ends", async () => {
    const seller = await makeOrg(t, ["seller"]);
    const entry = await list(seller, { listedOn: addMonths(today(), -4) });

    const byOther = await call(t, "POST", `/v1/lists/${entry.id}/repair`, cast.seller.key, {
      statement: "替他申请",
    });
    expect(byOther.status).toBe(403);

    const asked = await call(t, "POST", `/v1/lists/${entry.id}/repair`, seller.key, {
      statement: "已停止违法行为并完成整改",
      proof: ["https://example.cn/zhenggai.pdf"],
    });
    expect(asked.status).toBe(201);
    expect(RepairView.parse(asked.body).status).toBe("pending");
    expect(
      (await call(t, "POST", `/v1/lists/${entry.id}/repair`, seller.key, { statement: "再催一次" }))
        .status,
    ).toBe(409);

    const bySeller = await call(
      t,
      "POST",
      `/v1/lists/${entry.id}/repair/decision`,
      cast.inspector.key,
      {
        decision: "granted",
        reason: "同意",
      },
    );
    expect(bySeller.status).toBe(403);

    const rejected = await call(
      t,
      "POST",
      `/v1/lists/${entry.id}/repair/decision`,
      cast.regulator.key,
      {
        decision: "rejected",
        reason: "整改材料不全",
      },
    );
    expect(rejected.status).toBe(200);
    expect(ListEntryView.parse(rejected.body)).toMatchObject({ published: true, removal: null });
    expect(rejected.body.repairs).toMatchObject([
      { status: "rejected", decisionReason: "整改材料不全" },
    ]);

    expect(
      (
        await call(t, "POST", `/v1/lists/${entry.id}/repair`, seller.key, {
          statement: "补充材料后再次申请",
        })
      ).status,
    ).toBe(201);
    const granted = await call(
      t,
      "POST",
      `/v1/lists/${entry.id}/repair/decision`,
      cast.regulator.key,
      {
        decision: "granted",
        reason: "整改到位，准予信用修复",
      },
    );
    const view = ListEntryView.parse(granted.body);
    expect(view.published).toBe(false);
    expect(view.removal).toMatchObject({
      reason: "整改到位，准予信用修复",
      authority: cast.regulator.org.nameZh,
    });

    const published = ListEntryPage.parse(
      (await call(t, "GET", "/v1/lists?list=black&limit=200")).body,
    );
    expect(published.items.map((e) => e.id)).not.toContain(entry.id);
    expect((await call(t, "GET", `/v1/lists/${entry.id}`)).status).toBe(404);
    expect((await call(t, "GET", `/v1/lists/${entry.id}`, seller.key)).status).toBe(200);
    const lot = await seedLot(t, cast.producer, { count: 1 });
    await listLot(t, seller, lot);
    expect(
      (
        await call(t, "POST", "/v1/events", seller.key, {
          kind: "sale",
          items: [lot.items[0]!.key],
          orderNumber: "A-1",
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call(t, "POST", `/v1/lists/${entry.id}/repair/decision`, cast.regulator.key, {
          decision: "granted",
          reason: "重复",
        })
      ).status,
    ).toBe(409);
  });

  it("is for black-list entries only", async () => {
    const org = await makeOrg(t, ["seller"]);
    const entry = await list(org, { list: "red" });
    expect(
      (await call(t, "POST", `/v1/lists/${entry.id}/repair`, org.key, { statement: "不想上红榜" }))
        .status,
    ).toBe(409);
  });

  it("lists the waiting requests for regulators, an organisation's own for it", async () => {
    const org = await makeOrg(t, ["seller"]);
    const entry = await list(org, { severity: "minor" });
    expect(
      (
        await call(t, "POST", `/v1/lists/${entry.id}/repair`, org.key, {
          statement: "轻微失信，已改正",
        })
      ).status,
    ).toBe(201);
    const all = await call(t, "GET", "/v1/lists/repairs?status=pending", cast.regulator.key);
    expect((all.body.items as { entryId: string }[]).map((r) => r.entryId)).toContain(entry.id);
    const own = await call(t, "GET", "/v1/lists/repairs", org.key);
    expect((own.body.items as { orgId: string }[]).every((r) => r.orgId === org.org.id)).toBe(true);
    const other = await call(t, "GET", "/v1/lists/repairs", cast.producer.key);
    expect(other.body.items).toEqual([]);
  });
});

describe("ending publication", () => {
  it("lets a regulator end an entry early with reason and authority, once", async () => {
    const org = await makeOrg(t, ["seller"]);
    const entry = await list(org);
    expect(
      (await call(t, "POST", `/v1/lists/${entry.id}/removal`, cast.seller.key, { reason: "撤销" }))
        .status,
    ).toBe(403);
    const removed = await call(t, "POST", `/v1/lists/${entry.id}/removal`, cast.regulator.key, {
      reason: "行政复议撤销原决定",
      authority: "台州市人民政府",
    });
    expect(removed.status).toBe(200);
    expect(ListEntryView.parse(removed.body).removal).toMatchObject({
      authority: "台州市人民政府",
    });
    expect(
      (
        await call(t, "POST", `/v1/lists/${entry.id}/removal`, cast.regulator.key, {
          reason: "再撤",
        })
      ).status,
    ).toBe(409);
    const [row] = await t.db.select().from(listEntries).where(eq(listEntries.id, entry.id));
    expect(row?.removalReason).toBe("行政复议撤销原决定");
  });

  it("ends by itself at the maximum date, with no job needed", async () => {
    const org = await makeOrg(t, ["seller"]);
    const entry = await list(org, { severity: "minor" });
    expect((await call(t, "GET", `/v1/lists/${entry.id}`)).status).toBe(200);
    t.clock.set(`${entry.maxPublishUntil}T00:00:00.000Z`);
    expect((await call(t, "GET", `/v1/lists/${entry.id}`)).status).toBe(404);
    const profile = PublicOrg.parse((await call(t, "GET", `/v1/orgs/${org.org.id}`)).body);
    expect(profile.lists).toEqual([]);
    expect(profile.credit.grade).not.toBe("D");
  });
});
