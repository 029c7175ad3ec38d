// Credit summaries on pages are reused for CREDIT_CACHE_SECONDS, measured on the injected clock.
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { type Cast, makeCast } from "../../../test/factories";
import { listEntries } from "../../db/schema";
import { creditSummary, enableCreditCache } from "./service";

let t: TestApp;
let cast: Cast;
beforeAll(async () => {
  t = await createTestApp();
  cast = await makeCast(t);
});
afterAll(() => t.close());

async function blackList() {
  await t.db.insert(listEntries).values({
    id: "le_cache",
    orgId: cast.seller.org.id,
    list: "black",
    reason: "刷单",
    legalBasis: "电子商务法第十七条",
    authority: "市场监管局",
    severity: "serious",
    listedOn: "2026-05-01",
    minPublishUntil: "2027-05-01",
    maxPublishUntil: "2029-05-01",
    decidedByOrgId: cast.regulator.org.id,
    createdAt: t.clock.now(),
  });
}

describe("credit summary cache", () => {
  it("reuses a summary until its time is up, then recomputes it", async () => {
    enableCreditCache(t.db, 60_000);
    const before = await creditSummary(t.db, t.clock, cast.seller.org);
    expect(before.grade).not.toBe("D");
    await blackList();
    expect((await creditSummary(t.db, t.clock, cast.seller.org)).grade).toBe(before.grade);
    t.clock.advance(61_000);
    expect((await creditSummary(t.db, t.clock, cast.seller.org)).grade).toBe("D");
    await t.db.delete(listEntries).where(eq(listEntries.id, "le_cache"));
  });

  it("computes afresh every time when disabled", async () => {
    enableCreditCache(t.db, 0);
    await blackList();
    expect((await creditSummary(t.db, t.clock, cast.seller.org)).grade).toBe("D");
    await t.db.delete(listEntries).where(eq(listEntries.id, "le_cache"));
    expect((await creditSummary(t.db, t.clock, cast.seller.org)).grade).not.toBe("D");
  });
});
