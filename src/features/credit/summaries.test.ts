// Stored credit summaries: evidence marks them stale, the refresher recomputes them, pages read them without computing.
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { client, type Story, seedStory } from "../../../test/browser/scenario";
import { type Cast, makeCast, makeOrg } from "../../../test/factories";
import { countStatements } from "../../../test/statements";
import { alerts, listEntries, creditSummaries as summaries } from "../../db/schema";
import { raiseAlert } from "../alerts/raise";
import { PublicOrg } from "../orgs/schemas";
import { ScanView } from "../resolver/schemas";
import {
  computeSummary,
  creditRefresher,
  creditSummary,
  keepCreditSummaries,
  refreshStaleCredit,
  storeSummary,
} from "./summaries";

let t: TestApp;
let cast: Cast;
let story: Story;
beforeAll(async () => {
  t = await createTestApp();
  cast = await makeCast(t);
  story = await seedStory(t, cast);
  keepCreditSummaries(t.db, true);
});
afterAll(() => t.close());

const refreshAll = () => creditRefresher(t.db, t.clock)();
beforeEach(async () => {
  await refreshAll();
});

async function row(orgId: string) {
  const [found] = await t.db.select().from(summaries).where(eq(summaries.orgId, orgId));
  return found;
}
const isStale = async (orgId: string) => {
  const r = await row(orgId);
  return r === undefined || r.dirtySeq > r.cleanSeq;
};

let entries = 0;
async function blackList(orgId: string, listedOn = t.clock.now().toISOString().slice(0, 10)) {
  const id = `le_summary_${++entries}`;
  await t.db.insert(listEntries).values({
    id,
    orgId,
    list: "black",
    reason: "组织虚假交易（刷单炒信）",
    legalBasis: "《中华人民共和国电子商务法》第十七条",
    authority: "台州市市场监督管理局",
    severity: "serious",
    listedOn,
    minPublishUntil: "2030-01-01",
    maxPublishUntil: "2031-01-01",
    decidedByOrgId: cast.regulator.org.id,
    createdAt: t.clock.now(),
  });
  return id;
}
const unlist = (id: string) => t.db.delete(listEntries).where(eq(listEntries.id, id));

const sellerOnScan = async () => {
  const res = await t.request("GET", story.item, {
    headers: { ...client(1), Accept: "application/json" },
  });
  expect(res.status).toBe(200);
  const view = ScanView.parse(await res.json());
  return view.sellers[0]!.credit;
};

describe("marking summaries stale", () => {
  it("gives every new organisation a stale row that the refresher rates", async () => {
    const fresh = await makeOrg(t, ["seller"]);
    expect(await isStale(fresh.org.id)).toBe(true);
    expect(await refreshStaleCredit(t.db, t.clock)).toBeGreaterThanOrEqual(1);
    expect(await isStale(fresh.org.id)).toBe(false);
    expect((await row(fresh.org.id))?.grade).toBe("M");
  });

  it("marks only the organisation the evidence is about", async () => {
    const id = await blackList(cast.seller.org.id);
    expect(await isStale(cast.seller.org.id)).toBe(true);
    expect(await isStale(cast.producer.org.id)).toBe(false);
    await unlist(id);
  });

  it("marks the brand owner when an inspection of its lot is filed", async () => {
    await t.db.execute(sql`
      insert into inspections (id, lot_id, gtin, lot, inspector_org_id, report_number, issue_date, conclusion, created_at)
      select 'insp_summary', lot_id, gtin, lot, inspector_org_id, 'R-SUMMARY', issue_date, 'fail', created_at
      from inspections where id = ${story.inspectionId}`);
    expect(await isStale(cast.producer.org.id)).toBe(true);
    expect(await isStale(cast.seller.org.id)).toBe(false);
  });

  it("marks an alert's organisation when it is confirmed, not when an open one gathers evidence", async () => {
    const signal = {
      kind: "sales_burst" as const,
      severity: "medium" as const,
      subjectKey: `org:${cast.seller.org.id}`,
      orgId: cast.seller.org.id,
      details: {},
    };
    await raiseAlert(t.db, t.clock.now(), { ...signal, evidence: [1] });
    await refreshAll();
    // The same signal again (a cloned code scanned once more): more evidence on the open alert.
    await raiseAlert(t.db, t.clock.now(), { ...signal, evidence: [2] });
    expect(await isStale(cast.seller.org.id)).toBe(false);
    await t.db
      .update(alerts)
      .set({ status: "confirmed", decidedAt: t.clock.now() })
      .where(eq(alerts.orgId, cast.seller.org.id));
    expect(await isStale(cast.seller.org.id)).toBe(true);
    await t.db.delete(alerts).where(eq(alerts.orgId, cast.seller.org.id));
    await t.db
      .update(summaries)
      .set({ dirtySeq: sql`${summaries.dirtySeq} + 1` })
      .where(eq(summaries.orgId, cast.seller.org.id));
  });

  it("leaves a row clean when nothing changed, and recomputes it once a day all the same", async () => {
    expect(await refreshStaleCredit(t.db, t.clock)).toBe(0);
    t.clock.advance(25 * 3_600_000);
    expect(await refreshStaleCredit(t.db, t.clock)).toBeGreaterThanOrEqual(5);
    expect(await refreshStaleCredit(t.db, t.clock)).toBe(0);
  });
});

describe("refreshing", () => {
  it("shows the stored grade until the refresher has run: no page computes it", async () => {
    const before = await creditSummary(t.db, t.clock, cast.seller.org);
    expect(before.grade).not.toBe("D");
    const id = await blackList(cast.seller.org.id);
    expect(await creditSummary(t.db, t.clock, cast.seller.org)).toEqual(before);
    expect((await sellerOnScan()).grade).toBe(before.grade);
    await refreshAll();
    expect((await creditSummary(t.db, t.clock, cast.seller.org)).grade).toBe("D");
    expect((await sellerOnScan()).grade).toBe("D");
    await unlist(id);
  });

  it("keeps a row stale when evidence arrived while its summary was being computed", async () => {
    const seen = (await row(cast.seller.org.id))!.dirtySeq;
    const computed = await computeSummary(t.db, t.clock, cast.seller.org);
    const id = await blackList(cast.seller.org.id);
    await storeSummary(t.db, cast.seller.org.id, computed, seen);
    expect(await isStale(cast.seller.org.id)).toBe(true);
    expect((await row(cast.seller.org.id))?.grade).not.toBe("D");
    await refreshAll();
    expect((await row(cast.seller.org.id))?.grade).toBe("D");
    await unlist(id);
  });

  it("picks up a list entry on the day it is published", async () => {
    const tomorrow = new Date(t.clock.now().getTime() + 86_400_000).toISOString().slice(0, 10);
    const id = await blackList(cast.seller.org.id, tomorrow);
    await refreshAll();
    expect((await row(cast.seller.org.id))?.grade).not.toBe("D");
    // Into the next day, long before the daily recomputation would come round.
    const now = t.clock.now();
    const nextDay = new Date(`${tomorrow}T00:30:00Z`);
    t.clock.advance(nextDay.getTime() - now.getTime());
    expect(await refreshStaleCredit(t.db, t.clock)).toBe(1);
    expect((await row(cast.seller.org.id))?.grade).toBe("D");
    await unlist(id);
  });

  it("brings a regulator's black-list decision to the next page before answering", async () => {
    expect((await sellerOnScan()).grade).not.toBe("D");
    const res = await t.request("POST", "/v1/lists", {
      key: cast.regulator.key,
      json: {
        orgId: cast.seller.org.id,
        list: "black",
        reason: "组织虚假交易（刷单炒信）",
        legalBasis: "《中华人民共和国电子商务法》第十七条",
        authority: "台州市市场监督管理局",
        severity: "general",
        listedOn: t.clock.now().toISOString().slice(0, 10),
      },
    });
    expect(res.status).toBe(201);
    expect((await sellerOnScan()).grade).toBe("D");
    const profile = await t.request("GET", `/v1/orgs/${cast.seller.org.id}`);
    expect(PublicOrg.parse(await profile.json()).credit.grade).toBe("D");
    const { id } = (await res.json()) as { id: string };
    await unlist(id);
  });
});

describe("a scan with stored credit", () => {
  it("reads its parties' grades with them and sends no evidence query", async () => {
    await sellerOnScan();
    const counter = countStatements(t.db);
    const credit = await sellerOnScan();
    counter.stop();
    expect(credit.grade).not.toBeNull();
    // Identities, the scan record, the page's content: nothing touches reviews or complaints.
    expect(counter.n).toBe(3);
  });

  it("shows an organisation not yet rated as such instead of computing its grade", async () => {
    await t.db.delete(summaries).where(eq(summaries.orgId, cast.seller.org.id));
    expect(await sellerOnScan()).toEqual({ score: null, grade: null, computedAt: null });
    await t.db.insert(summaries).values({ orgId: cast.seller.org.id });
    await refreshAll();
    expect((await sellerOnScan()).grade).not.toBeNull();
  });
});
