// Regression guard: a scan answers from a handful of combined queries, not one per section of the page.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { client, type Story, seedStory } from "../../../test/browser/scenario";
import { makeCast } from "../../../test/factories";
import { countStatements } from "../../../test/statements";
import { creditRefresher, keepCreditSummaries } from "../credit/summaries";
import { ScanView } from "./schemas";

/** Identities, the scan record (with its tally), the page's content: one query each. */
const SCAN_QUERIES = 3;
/** ...and the credit of the producer and of the seller, one query each, when summaries are not stored. */
const CREDIT_QUERIES = 2;

let t: TestApp;
let story: Story;
/** One client throughout: repeated scans by strangers would rightly raise a cloned-code alert (a query more). */
const get = (path: string, accept: string) =>
  t.request("GET", path, { headers: { ...client(1), Accept: accept } });

beforeAll(async () => {
  t = await createTestApp();
  story = await seedStory(t, await makeCast(t));
});
afterAll(() => t.close());

describe("queries per scan", () => {
  it("answers an item's JSON and page in a few queries, and fewer still with credit stored", async () => {
    for (const accept of ["application/json", "text/html"]) {
      const counter = countStatements(t.db);
      const res = await get(story.item, accept);
      counter.stop();
      expect(res.status).toBe(200);
      expect(counter.n).toBeLessThanOrEqual(SCAN_QUERIES + CREDIT_QUERIES);
    }
    keepCreditSummaries(t.db, true);
    try {
      await creditRefresher(t.db, t.clock)();
      const counter = countStatements(t.db);
      const res = await get(story.item, "application/json");
      counter.stop();
      const view = ScanView.parse(await res.json());
      expect(view.sellers[0]?.credit.grade).not.toBeNull();
      expect(view.scans?.count).toBeGreaterThanOrEqual(3);
      expect(counter.n).toBe(SCAN_QUERIES);
    } finally {
      keepCreditSummaries(t.db, false);
    }
  });
});
