// The producer's desk over HTTP: each form writes through the API's service and rules, leaves the
// member's activity row, and refuses what the API refuses; another organisation's goods stay shut.
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { type Cast, makeCast, makeMember, makeOrg } from "../../../test/factories";
import { type ConsoleAgent, consoleAgent } from "../../../test/helpers/console-agent";
import { activity, items, lots, products, recalls } from "../../db/schema";
import { makeGtin13, toGtin14 } from "../products/fixtures";

let t: TestApp;
let cast: Cast;
let agent: ConsoleAgent;

beforeAll(async () => {
  t = await createTestApp();
  cast = await makeCast(t);
  const { email, password } = await makeMember(t, cast.producer.org);
  agent = await consoleAgent(t, email, password);
});
afterAll(() => t.close());

const PNG_1x1 = Uint8Array.from(
  Buffer.from(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
    "base64",
  ),
);

async function registered(gtin = toGtin14(makeGtin13())) {
  const res = await agent.submit("/console/products", "/console/products", {
    gtin,
    nameZh: "涌泉蜜橘",
    category: "edible_agricultural",
    specification: "5 kg/箱",
    shelfLifeDays: "30",
    originRegion: "331082",
  });
  expect(res.status).toBe(303);
  return gtin;
}

async function withLot(gtin: string, lot = "L20261203") {
  const res = await agent.submit(`/console/products/${gtin}`, `/console/products/${gtin}/lots`, {
    lot,
    productionDate: "2026-12-01",
  });
  expect(res.status).toBe(303);
  return lot;
}

describe("producer desk", () => {
  it("registers a product from the form and shows it on the desk, attributed to the member", async () => {
    const gtin = await registered();
    const [row] = await t.db.select().from(products).where(eq(products.gtin, gtin));
    expect(row).toMatchObject({ ownerOrgId: cast.producer.org.id, shelfLifeDays: 30 });
    const list = await (await agent.get("/console/products")).text();
    expect(list).toContain(`data-gtin="${gtin}"`);
    const rows = await t.db.select().from(activity).where(eq(activity.target, gtin));
    expect(rows.map((a) => a.action)).toEqual(["product.register"]);
  });

  it("keeps what was typed and names the field when the API's rule refuses it", async () => {
    const res = await agent.submit("/console/products", "/console/products", {
      gtin: "06901234567890",
      nameZh: "坏码",
      category: "food",
      specification: "1 袋",
    });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('role="alert"');
    expect(html).toContain("gtin");
    expect(html).toContain('value="坏码"');
  });

  it("uploads a picture that the product's view then serves from this service", async () => {
    const gtin = await registered();
    const res = await agent.submit(
      `/console/products/${gtin}`,
      `/console/products/${gtin}/picture`,
      {
        picture: new File([PNG_1x1], "p.png", { type: "image/png" }),
      },
    );
    expect(res.status).toBe(303);
    const view = await (await t.request("GET", `/v1/products/${gtin}`)).json();
    expect(view.imageUrl).toMatch(new RegExp(`/v1/products/${gtin}/picture\\?v=[0-9a-f]{64}$`));
    const picture = await t.request(
      "GET",
      new URL(view.imageUrl).pathname + new URL(view.imageUrl).search,
    );
    expect(picture.status).toBe(200);
    expect(picture.headers.get("Content-Type")).toBe("image/png");
    expect(picture.headers.get("Cache-Control")).toContain("immutable");
    expect(new Uint8Array(await picture.arrayBuffer())).toEqual(PNG_1x1);
  });

  it("refuses a file that is not a picture, whatever it claims to be", async () => {
    const gtin = await registered();
    const res = await agent.submit(
      `/console/products/${gtin}`,
      `/console/products/${gtin}/picture`,
      {
        picture: new File(["<svg onload=alert(1)>"], "x.png", { type: "image/png" }),
      },
    );
    const html = await res.text();
    expect(res.status, html).toBe(422);
    expect(html).toContain("JPEG, PNG or WebP");
    const [row] = await t.db.select().from(products).where(eq(products.gtin, gtin));
    expect(row?.imageUrl).toBeNull();
  });

  it("registers a lot, commissions its items with a progress bar, and lists them with their states", async () => {
    const gtin = await registered();
    const lot = await withLot(gtin);
    const lotPage = `/console/products/${gtin}/lots/${lot}`;
    const res = await agent.submit(lotPage, `${lotPage}/commission`, { count: "12000" });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/<progress value="0" max="12000">/);
    expect(html).toMatch(/<progress value="5000" max="12000">/);
    expect(html).toContain('class="ok"');
    const [row] = await t.db
      .select()
      .from(lots)
      .where(and(eq(lots.gtin, gtin), eq(lots.lot, lot)));
    const count = await t.db.$count(items, eq(items.lotId, row!.id));
    expect(count).toBe(12000);
    const page = await (await agent.get(lotPage)).text();
    expect(page).toContain('data-testid="item-count">12000<');
    expect(page).toMatch(/data-state="commissioned"><td>[^<]+<\/td><td>12000</);
    // Each item is shown with the name of the organisation that holds it.
    expect(page).toMatch(/<\/td><td>台州黄岩蜜橘合作社<\/td><\/tr>/);
    const [commissioned] = await t.db
      .select()
      .from(activity)
      .where(eq(activity.action, "items.commission"));
    expect(commissioned?.target).toContain("× 12000");
  });

  it("writes no item when commissioning is refused half-way, and says so on the page", async () => {
    const gtin = await registered();
    const lot = await withLot(gtin);
    const lotPage = `/console/products/${gtin}/lots/${lot}`;
    const res = await agent.submit(lotPage, `${lotPage}/commission`, { count: "100001" });
    expect(res.status).toBe(422);
    const [row] = await t.db
      .select()
      .from(lots)
      .where(and(eq(lots.gtin, gtin), eq(lots.lot, lot)));
    expect(await t.db.$count(items, eq(items.lotId, row!.id))).toBe(0);
  });

  it("downloads the lot's labels as PDF and as ZPL, and its serials as CSV", async () => {
    const gtin = await registered();
    const lot = await withLot(gtin);
    const lotPage = `/console/products/${gtin}/lots/${lot}`;
    await (await agent.submit(lotPage, `${lotPage}/commission`, { count: "3" })).text();
    const pdf = await agent.get(
      `${lotPage}/labels?format=pdf&stock=roll-50x30&symbology=qr&offset=0&limit=10`,
    );
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get("Content-Type")).toBe("application/pdf");
    const bytes = new Uint8Array(await pdf.arrayBuffer());
    expect(Buffer.from(bytes.slice(0, 5)).toString()).toBe("%PDF-");
    const zpl = await agent.get(
      `${lotPage}/labels?format=zpl&stock=roll-50x30&symbology=datamatrix&dpi=300`,
    );
    expect(zpl.status).toBe(200);
    const program = await zpl.text();
    expect(program.match(/\^XA/g)).toHaveLength(3);
    expect(program).toContain("^BX");
    const sheet = await agent.get(`${lotPage}/labels?format=zpl&stock=a4-3x8`);
    expect(sheet.status).toBe(422);
    const csv = await (await agent.get(`${lotPage}/items.csv`)).text();
    expect(csv.trim().split("\n")).toHaveLength(4);
  });

  it("starts a recall of a lot: the lot is flagged, its scan page says so, and the desk offers no more commissioning", async () => {
    const gtin = await registered();
    const lot = await withLot(gtin);
    const lotPage = `/console/products/${gtin}/lots/${lot}`;
    const res = await agent.submit(lotPage, `/console/products/${gtin}/recall`, {
      lot,
      level: "II",
      reason: "农残超标",
      instructions: "请停止食用并退货",
      contacts: "400-000-0000",
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("Location")).toBe(`${lotPage}?done=recalled`);
    const [row] = await t.db
      .select()
      .from(lots)
      .where(and(eq(lots.gtin, gtin), eq(lots.lot, lot)));
    expect(row?.recalled).toBe(true);
    expect(await t.db.$count(recalls)).toBeGreaterThan(0);
    const page = await (await agent.get(lotPage)).text();
    expect(page).not.toContain(`${lotPage}/commission`);
    const productPage = await (await agent.get(`/console/products/${gtin}`)).text();
    expect(productPage).toMatch(new RegExp(`data-lot="${lot}">.*badge bad`));
  });

  it("refuses another organisation's product on every page and form of the desk", async () => {
    const other = await makeOrg(t, ["producer"], { nameZh: "别家合作社" });
    const { email, password } = await makeMember(t, other.org);
    const stranger = await consoleAgent(t, email, password);
    const gtin = await registered();
    const lot = await withLot(gtin);
    const base = `/console/products/${gtin}`;
    for (const path of [
      base,
      `${base}/lots/${lot}`,
      `${base}/lots/${lot}/labels?format=pdf`,
      `${base}/lots/${lot}/items.csv`,
    ]) {
      expect((await stranger.get(path)).status, path).toBe(403);
    }
    const csrf = await stranger.csrfOf("/console/products");
    for (const [path, form] of [
      [`${base}/lots`, { lot: "X1", productionDate: "2026-12-01" }],
      [`${base}/lots/${lot}/commission`, { count: "1" }],
      [`${base}/recall`, { level: "I", reason: "x", instructions: "x", contacts: "x" }],
    ] as const) {
      expect((await stranger.post(path, { ...form, _csrf: csrf })).status, path).toBe(403);
    }
    const [row] = await t.db
      .select()
      .from(lots)
      .where(and(eq(lots.gtin, gtin), eq(lots.lot, lot)));
    expect(row?.recalled).toBe(false);
    expect(await t.db.$count(items, eq(items.lotId, row!.id))).toBe(0);
  });

  it("is a desk of producers only: a seller's member is refused its pages", async () => {
    const { email, password } = await makeMember(t, cast.seller.org);
    const seller = await consoleAgent(t, email, password);
    expect((await seller.get("/console/products")).status).toBe(403);
    const home = await (await seller.get("/console")).text();
    expect(home).not.toContain('href="/console/products"');
  });

  it("lets a pending producer see its desk but not write: the API's verification rule holds", async () => {
    const pending = await makeOrg(t, ["producer"], { status: "pending" });
    const { email, password } = await makeMember(t, pending.org);
    const member = await consoleAgent(t, email, password);
    expect((await member.get("/console/products")).status).toBe(200);
    const res = await member.submit("/console/products", "/console/products", {
      gtin: toGtin14(makeGtin13()),
      nameZh: "未核验",
      category: "edible_agricultural",
      specification: "1 箱",
    });
    expect(res.status).toBe(403);
  });
});
