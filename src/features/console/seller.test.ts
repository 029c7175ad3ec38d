// The seller's desk over HTTP: a sale by form gives the buyers' receipt codes once; a day's orders
// by file are previewed with every bad row named and committed whole or not at all.
import { desc, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { type Cast, makeCast, makeMember } from "../../../test/factories";
import { type ConsoleAgent, consoleAgent } from "../../../test/helpers/console-agent";
import { xlsxOf } from "../../../test/helpers/xlsx";
import { type SeededLot, seedLot } from "../../../test/seed";
import { activity, alerts, complaints, events, items, receipts } from "../../db/schema";

let t: TestApp;
let cast: Cast;
let agent: ConsoleAgent;

beforeAll(async () => {
  t = await createTestApp();
  cast = await makeCast(t);
  const { email, password } = await makeMember(t, cast.seller.org);
  agent = await consoleAgent(t, email, password);
});
afterAll(() => t.close());

async function listedLot(count: number): Promise<SeededLot> {
  const lot = await seedLot(t, cast.producer, { count });
  const res = await agent.submit("/console/sales", "/console/sales/listing", {
    listingCode: lot.gtin,
    shopName: "橘乡网店",
    listingPrice: "39.9",
    listingUrl: "https://shop.example.cn/item/1",
  });
  expect(res.status).toBe(303);
  return lot;
}

const csvFile = (text: string, name = "orders.csv") =>
  new File([`\uFEFF${text}`], name, { type: "text/csv" });

const states = async (lot: SeededLot) =>
  (await t.db.select({ state: items.state }).from(items).where(eq(items.lotId, lot.lotId))).map(
    (r) => r.state,
  );

describe("seller desk", () => {
  it("records a sale of scanned codes and shows each buyer's receipt code once, as a slip and a CSV", async () => {
    const lot = await listedLot(2);
    const res = await agent.submit("/console/sales", "/console/sales", {
      items: lot.items
        .map((i) => `https://id.example/01/${lot.gtin}/10/${lot.lot}/21/${i.serial}`)
        .join("\r\n"),
      orderNumber: "TB-001",
      buyerRef: "buyer-1",
      price: "79.8",
    });
    expect(res.status).toBe(201);
    const html = await res.text();
    const codes = [...html.matchAll(/data-testid="receipt-code">([A-Z0-9]{12})</g)].map(
      (m) => m[1],
    );
    expect(codes).toHaveLength(2);
    const csv = decodeURIComponent(/href="data:text\/csv;charset=utf-8,([^"]+)"/.exec(html)![1]!);
    for (const code of codes) expect(csv).toContain(code!);
    expect(await states(lot)).toEqual(["sold", "sold"]);
    expect(
      await t.db.$count(
        receipts,
        inArray(
          receipts.itemId,
          lot.items.map((i) => i.id),
        ),
      ),
    ).toBe(2);
    const rows = await t.db.select().from(activity).where(eq(activity.action, "sale.record"));
    expect(rows).toHaveLength(1);
  });

  it("refuses a sale the rules refuse, keeps the form, and writes nothing", async () => {
    const lot = await seedLot(t, cast.producer, { count: 1 });
    const res = await agent.submit("/console/sales", "/console/sales", {
      items: lot.items[0]!.key,
      orderNumber: "TB-002",
    });
    expect(res.status).toBe(409);
    const html = await res.text();
    expect(html).toContain('role="alert"');
    expect(html).toContain('value="TB-002"');
    expect(await states(lot)).toEqual(["commissioned"]);
  });

  it("previews a day's orders, then commits them as one sale per order with every receipt on the slip", async () => {
    const lot = await listedLot(5);
    const [a, b, c, d, e] = lot.items;
    const text = [
      "订单号,单件码,买家,价格",
      `A1,${a!.key},u1,39.9`,
      `A1,${b!.key},u1,39.9`,
      `A2,${c!.key},u2,`,
      `A3,${d!.key},,10`,
      `A3,${e!.key},,10`,
    ].join("\n");
    const preview = await agent.submit("/console/sales", "/console/sales/upload", {
      file: csvFile(text),
    });
    expect(preview.status).toBe(200);
    const html = await preview.text();
    expect(html).toContain('name="commit" value="yes"');
    // The preview wrote nothing.
    expect(await states(lot)).toEqual(Array(5).fill("commissioned"));
    const rows = /name="rows" value="([^"]+)"/.exec(html)![1]!.replace(/&quot;/g, '"');
    const commit = await agent.submit("/console/sales", "/console/sales/upload", {
      rows,
      commit: "yes",
    });
    expect(commit.status).toBe(201);
    const slip = await commit.text();
    expect([...slip.matchAll(/data-testid="receipt-code"/g)]).toHaveLength(5);
    expect(await states(lot)).toEqual(Array(5).fill("sold"));
    const sales = await t.db.select().from(events).where(eq(events.kind, "sale"));
    const orders = sales.map((s) => JSON.stringify(s.document)).filter((d) => /:A[123]"/.test(d));
    expect(orders).toHaveLength(3);
  });

  it("reads the same orders from an Excel file", async () => {
    const lot = await listedLot(2);
    const file = new File(
      [
        (await xlsxOf([
          ["orderNumber", "item"],
          ["X1", lot.items[0]!.key],
          ["X2", lot.items[1]!.key],
        ])) as Uint8Array<ArrayBuffer>,
      ],
      "orders.xlsx",
    );
    const preview = await agent.submit("/console/sales", "/console/sales/upload", { file });
    expect(preview.status).toBe(200);
    const html = await preview.text();
    expect(html).toContain('name="commit" value="yes"');
    expect(html).toContain(lot.items[1]!.key);
  });

  it("names every bad row and writes none of the file, not even its good rows", async () => {
    const lot = await listedLot(3);
    const [a, b, c] = lot.items;
    const text = [
      "orderNumber,item,price",
      `B1,${a!.key},1`,
      `B2,/01/${lot.gtin}/21/NOSUCHSERIAL,1`,
      `B3,${b!.key},abc`,
      `,${c!.key},1`,
      `B4,${a!.key},1`,
    ].join("\n");
    const res = await agent.submit("/console/sales", "/console/sales/upload", {
      file: csvFile(text),
    });
    expect(res.status).toBe(422);
    const html = await res.text();
    const bad = [...html.matchAll(/data-line="(\d+)"/g)].map((m) => Number(m[1]));
    // Line 2 is good on its own; line 6 sells line 2's item again.
    expect(bad).toEqual([3, 4, 5, 6]);
    expect(html).not.toContain('name="commit"');
    expect(await states(lot)).toEqual(["commissioned", "commissioned", "commissioned"]);
  });

  it("refuses a commit whose rows went bad since the preview, whole", async () => {
    const lot = await listedLot(2);
    const text = `orderNumber,item\nC1,${lot.items[0]!.key}\nC2,${lot.items[1]!.key}`;
    const preview = await (
      await agent.submit("/console/sales", "/console/sales/upload", { file: csvFile(text) })
    ).text();
    const rows = /name="rows" value="([^"]+)"/.exec(preview)![1]!.replace(/&quot;/g, '"');
    // Meanwhile, the second item is sold through the API.
    const sold = await t.request("POST", "/v1/events", {
      key: cast.seller.key,
      json: { kind: "sale", items: [lot.items[1]!.key], orderNumber: "API-1" },
    });
    expect(sold.status).toBe(201);
    const res = await agent.submit("/console/sales", "/console/sales/upload", {
      rows,
      commit: "yes",
    });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect([...html.matchAll(/data-line="(\d+)"/g)].map((m) => m[1])).toEqual(["3"]);
    expect(await states(lot)).toEqual(["commissioned", "sold"]);
  });

  it("raises the recalled-goods alert for a committed file, not for its preview", async () => {
    const lot = await listedLot(1);
    const recall = await t.request("POST", "/v1/recalls", {
      key: cast.producer.key,
      json: {
        product: lot.gtin,
        level: "II",
        reason: "农残超标",
        instructions: "停止食用",
        contacts: "400-000-0000",
      },
    });
    expect(recall.status).toBe(201);
    const recalledAlerts = () => t.db.$count(alerts, eq(alerts.kind, "sale_of_recalled"));
    const before = await recalledAlerts();
    const text = `orderNumber,item\nR1,${lot.items[0]!.key}`;
    const preview = await agent.submit("/console/sales", "/console/sales/upload", {
      file: csvFile(text),
    });
    expect(preview.status).toBe(422);
    expect(await recalledAlerts()).toBe(before);
    const commit = await agent.submit("/console/sales", "/console/sales/upload", {
      rows: JSON.stringify([[2, "R1", lot.items[0]!.key, "", ""]]),
      commit: "yes",
    });
    expect(commit.status).toBe(422);
    expect(await recalledAlerts()).toBe(before + 1);
    expect(await states(lot)).toEqual(["commissioned"]);
  });

  it("refuses a file without the columns it needs, naming them", async () => {
    const res = await agent.submit("/console/sales", "/console/sales/upload", {
      file: csvFile("foo,bar\n1,2"),
    });
    expect(res.status).toBe(422);
    expect(await res.text()).toMatch(/orderNumber, item/);
  });

  it("answers a complaint about the seller, and shows the answer", async () => {
    const [row] = await t.db
      .insert(complaints)
      .values({
        id: `cmp_${Date.now()}`,
        sellerOrgId: cast.seller.org.id,
        category: "quality",
        text: "橘子坏了",
        status: "open",
        createdAt: t.clock.now(),
      } as typeof complaints.$inferInsert)
      .returning();
    const res = await agent.submit("/console/complaints", `/console/complaints/${row!.id}/answer`, {
      text: "已为您办理退款",
    });
    expect(res.status).toBe(303);
    const html = await (await agent.get("/console/complaints")).text();
    expect(html).toContain("已为您办理退款");
    const [after] = await t.db.select().from(complaints).where(eq(complaints.id, row!.id));
    expect(after?.sellerAnswer).toBe("已为您办理退款");
  });

  it("shows the seller's credit grade with every factor", async () => {
    const html = await (await agent.get("/console/credit")).text();
    expect(html).toMatch(/data-testid="grade"><b>[^<]+</);
    expect(html).toContain('data-factor="complaints"');
    expect(html).toContain('data-factor="reviews"');
  });

  it("is a desk of sellers: a producer's member is refused the sales pages", async () => {
    const { email, password } = await makeMember(t, cast.producer.org);
    const producer = await consoleAgent(t, email, password);
    expect((await producer.get("/console/sales")).status).toBe(403);
    expect((await producer.get("/console/complaints")).status).toBe(403);
    expect((await producer.get("/console/credit")).status).toBe(200);
  });
});

const latestSale = async () =>
  (
    await t.db
      .select()
      .from(events)
      .where(eq(events.kind, "sale"))
      .orderBy(desc(events.id))
      .limit(1)
  )[0];

describe("correcting a mistaken sale at the desk", () => {
  it("declares it from the recent list: the record stays, marked, and the item is back on sale", async () => {
    const lot = await listedLot(1);
    const sold = await agent.submit("/console/sales", "/console/sales", {
      items: lot.items[0]!.key,
      orderNumber: "TB-WRONG",
    });
    expect(sold.status).toBe(201);
    const sale = await latestSale();
    const desk = await (await agent.get("/console/sales")).text();
    expect(desk).toContain('action="/console/sales/correct"');
    expect(desk).toContain(`value="${sale!.eventId}"`);
    const res = await agent.submit("/console/sales", "/console/sales/correct", {
      eventId: sale!.eventId,
      reason: "did_not_occur",
      note: "订单号录错",
    });
    expect(res.status).toBe(303);
    const after = await (await agent.get(res.headers.get("location")!)).text();
    expect(after).toContain("已声明更正");
    expect(after).toMatch(new RegExp(`data-event="${sale!.id}"[^]*?已更正`));
    expect(await states(lot)).toEqual(["commissioned"]);
    const [declaration] = await t.db.select().from(events).where(eq(events.declares, sale!.id));
    expect(declaration?.actorOrgId).toBe(cast.seller.org.id);
    expect(await t.db.$count(activity, eq(activity.action, "event.correct"))).toBe(1);
  });

  it("shows the refusal on the desk when a later event rests on the sale, and writes nothing", async () => {
    const lot = await listedLot(1);
    await agent.submit("/console/sales", "/console/sales", {
      items: lot.items[0]!.key,
      orderNumber: "TB-SENT",
    });
    const sale = await latestSale();
    const sent = await t.request("POST", "/v1/events", {
      key: cast.logistics.key,
      json: {
        kind: "dispatch",
        items: [lot.items[0]!.key],
        waybill: "SF-SENT",
        carrierOrgId: cast.logistics.org.id,
        parcelWeightGrams: 2600,
        destinationRegion: "330106",
      },
    });
    expect(sent.status).toBe(201);
    const res = await agent.submit("/console/sales", "/console/sales/correct", {
      eventId: sale!.eventId,
      reason: "did_not_occur",
    });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain("dispatch");
    expect(await t.db.$count(events, eq(events.declares, sale!.id))).toBe(0);
    expect(await states(lot)).toEqual(["dispatched"]);
  });
});
