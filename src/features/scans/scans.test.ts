// Scan records and cloned-code detection end to end: scans through the page, alerts for the brand owner, warnings.
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { client, seedStory } from "../../../test/browser/scenario";
import { type Cast, makeCast } from "../../../test/factories";
import { countStatements } from "../../../test/statements";
import { alerts, scans } from "../../db/schema";
import { ScanView, type ScanViewT } from "../resolver/schemas";
import { MAX_DISTINCT_CLIENTS } from "./rules";
import { type ScanWriter, scanWriter } from "./service";

let t: TestApp;
let cast: Cast;
let n = 100;
beforeAll(async () => {
  t = await createTestApp();
  cast = await makeCast(t);
});
afterAll(() => t.close());

const scanAs = (key: string, who: number) =>
  t.request("GET", key, { headers: { ...client(who), Accept: "application/json" } });
const clonedAlert = async (key: string) =>
  (
    await t.db
      .select()
      .from(alerts)
      .where(and(eq(alerts.kind, "cloned_code"), eq(alerts.subjectKey, key)))
  )[0];
const locate = (key: string, who: number, lat: number, lon: number) =>
  t.request("POST", `${key}/locate`, {
    body: new URLSearchParams({ lat: String(lat), lon: String(lon), lang: "zh" }),
    headers: { ...client(who), "Content-Type": "application/x-www-form-urlencoded" },
  });

describe("scan records", () => {
  it("counts scans of an item and when it was first scanned, keeping no IP address", async () => {
    const story = await seedStory(t, cast, { until: "sold" });
    const first = t.clock.now();
    await scanAs(story.item, ++n);
    t.clock.advance(3_600_000);
    const view = ScanView.parse(await (await scanAs(story.item, n)).json());
    expect(view.scans).toEqual({ count: 2, firstAt: first.toISOString() });
    const rows = await t.db.select().from(scans).where(eq(scans.itemId, story.lot.items[0]!.id));
    expect(rows).toHaveLength(2);
    expect(rows[0]?.fingerprint).toBe(rows[1]?.fingerprint);
    expect(rows[0]?.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(rows)).not.toContain(client(n)["X-Forwarded-For"]!.slice(0, 6));
    expect(rows.map((r) => r.latitude)).toEqual([null, null]);
    // The page says it too.
    const html = await (await t.request("GET", story.item, { headers: client(n) })).text();
    expect(html).toContain("此码已被扫描 3 次");
  });

  it("gives the same phone a new fingerprint next week", async () => {
    const story = await seedStory(t, cast, { until: "sold" });
    const me = ++n;
    await scanAs(story.item, me);
    t.clock.advance(7 * 86_400_000);
    await scanAs(story.item, me);
    const rows = await t.db.select().from(scans).where(eq(scans.itemId, story.lot.items[0]!.id));
    expect(new Set(rows.map((r) => r.fingerprint)).size).toBe(2);
  });
});

describe("cloned codes", () => {
  it("flags a serial scanned by many distinct clients: an alert for the brand owner and a warning", async () => {
    const story = await seedStory(t, cast, { until: "sold" });
    for (let i = 0; i < MAX_DISTINCT_CLIENTS; i++) await scanAs(story.item, ++n);
    expect(await clonedAlert(story.item)).toBeUndefined();
    const view = ScanView.parse(await (await scanAs(story.item, ++n)).json());
    expect(view.warnings.map((w) => w.kind)).toContain("cloned");
    const alert = await clonedAlert(story.item);
    expect(alert).toMatchObject({ orgId: cast.producer.org.id, severity: "high", status: "open" });
    expect(alert?.details.rules).toEqual(["many_clients"]);
    const html = await (await t.request("GET", story.item, { headers: client(++n) })).text();
    expect(html).toContain("此码可能被复制");
    // An inspector who dismisses the alert takes the warning off the page.
    await t.db.update(alerts).set({ status: "dismissed" }).where(eq(alerts.id, alert!.id));
    const after = ScanView.parse(await (await scanAs(story.item, ++n)).json());
    expect(after.warnings.map((w) => w.kind)).not.toContain("cloned");
  });

  it("flags scans from places too far apart for the time between (shared locations)", async () => {
    const story = await seedStory(t, cast, { until: "sold" });
    const a = ++n;
    const b = ++n;
    await scanAs(story.item, a);
    const shared = await locate(story.item, a, 39.91, 116.39);
    expect(shared.status).toBe(303);
    expect(shared.headers.get("location")).toContain("done=located");
    const [row] = await t.db.select().from(scans).where(eq(scans.itemId, story.lot.items[0]!.id));
    expect([row?.latitude, row?.longitude]).toEqual([39.9, 116.4]);
    t.clock.advance(30 * 60_000);
    await scanAs(story.item, b);
    expect(await clonedAlert(story.item)).toBeUndefined();
    await locate(story.item, b, 31.23, 121.47);
    const alert = await clonedAlert(story.item);
    expect(alert?.details.rules).toEqual(["impossible_travel"]);
  });

  it("refuses a location from a client that has not scanned the code", async () => {
    const story = await seedStory(t, cast, { until: "sold" });
    const res = await locate(story.item, ++n, 30.2, 120.1);
    expect(res.status).toBe(409);
    expect(await res.text()).toContain("请先扫码打开此页");
    const bad = await locate(story.item, n, 91, 0);
    expect(bad.status).toBe(422);
  });

  it("flags a code scanned by strangers after it was delivered", async () => {
    const story = await seedStory(t, cast, { until: "delivered" });
    for (let i = 0; i < 3; i++) await scanAs(story.item, ++n);
    expect(await clonedAlert(story.item)).toBeUndefined();
    await scanAs(story.item, ++n);
    const alert = await clonedAlert(story.item);
    expect(alert?.details.rules).toEqual(["after_delivery"]);
    expect(alert?.details.after_delivery).toEqual({
      scansAfterDelivery: 4,
      clientsAfterDelivery: 4,
    });
  });
});

describe("the batched scan writer", () => {
  let b: TestApp;
  let writer: ScanWriter;
  let bcast: Cast;
  beforeAll(async () => {
    // A long window, so that every scan of the test is in one batch however slow the machine.
    b = await createTestApp({
      scans: (db) => {
        writer = scanWriter(db, 200);
        return writer;
      },
    });
    bcast = await makeCast(b);
  });
  afterAll(() => b.close());

  it("writes concurrent scans in one statement, each counted after those before it, with the alert the rules call for", async () => {
    const story = await seedStory(b, bcast, { until: "sold" });
    const phones = MAX_DISTINCT_CLIENTS + 2;
    const before = writer.stats.batches;
    const counter = countStatements(b.db);
    let views: ScanViewT[];
    try {
      views = await Promise.all(
        Array.from({ length: phones }, async (_, i) =>
          ScanView.parse(
            await (
              await b.request("GET", story.item, {
                headers: { ...client(5_000 + i), Accept: "application/json" },
              })
            ).json(),
          ),
        ),
      );
    } finally {
      counter.stop();
    }
    expect(writer.stats.batches - before).toBe(1);
    expect(counter.sent.filter((s) => s.startsWith("with r as materialized"))).toHaveLength(1);
    // As one after another: the first sees one scan, the last all of them.
    expect(views.map((v) => v.scans!.count).sort((x, y) => x - y)).toEqual(
      Array.from({ length: phones }, (_, i) => i + 1),
    );
    const rows = await b.db.select().from(scans).where(eq(scans.itemId, story.lot.items[0]!.id));
    expect(rows).toHaveLength(phones);
    // The scans past MAX_DISTINCT_CLIENTS clients fire the rule: one alert, which every page of
    // the batch shows, since each reads its content after the batch's commit.
    expect(views.every((v) => v.warnings.some((w) => w.kind === "cloned"))).toBe(true);
    const raised = await b.db
      .select()
      .from(alerts)
      .where(and(eq(alerts.kind, "cloned_code"), eq(alerts.subjectKey, story.item)));
    expect(raised).toHaveLength(1);
  });
});
