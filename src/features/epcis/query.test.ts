// EPCIS queries: the standard's parameters, keyset pages, EPC formats, collections, and the lifecycle ledger seen through EPCIS.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { makeOrg, type OrgWithKey } from "../../../test/factories";
import { seedLot } from "../../../test/seed";
import { urnToDigitalLink } from "../../codes/epc-urn";
import { eventHashId } from "../../ledger/event-hash";
import { capture, documentOf, expectValidEpcis, objectEvent, query } from "./test-helpers";

let t: TestApp;
let producer: OrgWithKey;
let pending: OrgWithKey;
// Identifiers of this file's events, under a company prefix no other test uses.
const cp = "0690123"; // their GTIN: indicator 0, this prefix, item reference 45678, check digit
const item = (s: string) => `urn:epc:id:sgtin:${cp}.045678.${s}`;
let itemGtin = "";
const q = (path: string, headers: Record<string, string> = {}) =>
  query(t, producer.key, path, headers);
const ids = (list: Record<string, unknown>[]) => list.map((e) => e["zsq:n"]);

beforeAll(async () => {
  t = await createTestApp();
  producer = await makeOrg(t, ["producer"]);
  pending = await makeOrg(t, ["seller"], { status: "pending" });
  const ctx = { zsq: "https://example.cn/q#" };
  const e = (n: number, fields: Record<string, unknown>) => ({
    ...objectEvent([item(`S${n}`)]),
    "zsq:n": n,
    ...fields,
  });
  const doc = documentOf(
    [
      e(1, {
        eventTime: "2026-05-01T00:00:00.000+08:00",
        action: "ADD",
        bizStep: "commissioning",
        disposition: "active",
        readPoint: { id: "urn:epc:id:sgln:0690123.00001.0" },
      }),
      e(2, {
        eventTime: "2026-05-02T00:00:00.000+08:00",
        bizStep: "https://ref.gs1.org/cbv/BizStep-shipping",
        bizLocation: { id: "https://id.gs1.org/414/0690123000010" },
        bizTransactionList: [
          { type: "po", bizTransaction: "urn:epcglobal:cbv:bt:0690123000010:PO-7" },
        ],
        sourceList: [{ type: "owning_party", source: "urn:epc:id:pgln:0690123.00001" }],
      }),
      e(3, {
        eventTime: "2026-05-03T00:00:00.000+08:00",
        bizStep: "receiving",
        disposition: "in_progress",
        destinationList: [
          { type: "location", destination: "https://id.gs1.org/414/0690123000010" },
        ],
        persistentDisposition: { set: ["recalled"] },
      }),
      {
        type: "AggregationEvent",
        "zsq:n": 4,
        eventTime: "2026-05-04T00:00:00.000+08:00",
        eventTimeZoneOffset: "+08:00",
        parentID: "urn:epc:id:sscc:0690123.1000000001",
        childEPCs: [item("S1"), item("S2")],
        childQuantityList: [{ epcClass: `urn:epc:class:lgtin:${cp}.045678.LOT9`, quantity: 10 }],
        action: "ADD",
        bizStep: "packing",
      },
      {
        type: "TransformationEvent",
        "zsq:n": 5,
        eventTime: "2026-05-05T00:00:00.000+08:00",
        eventTimeZoneOffset: "+08:00",
        inputEPCList: [item("S3")],
        inputQuantityList: [{ epcClass: `urn:epc:idpat:sgtin:${cp}.045678.*`, quantity: 2 }],
        outputEPCList: [item("S9")],
        transformationID: "urn:example:t:1",
        bizStep: "https://example.cn/steps/juicing",
      },
    ],
    ctx,
  );
  const job = await capture(t, producer.key, doc);
  expect(job.status, JSON.stringify(job.errors)).toBe("success");
  itemGtin = /\/01\/(\d{14})\//.exec(urnToDigitalLink(item("S1"))!)![1]!;
});
afterAll(() => t.close());

describe("GET /epcis/events", () => {
  it("answers an EPCISQueryDocument valid against the standard's schema", async () => {
    const { res, body } = await q(`/epcis/events?MATCH_anyEPC=${item("S1")}`);
    expectValidEpcis(body);
    expect(body.epcisBody.queryResults.queryName).toBe("SimpleEventQuery");
    expect(res.headers.get("GS1-EPCIS-Version")).toBe("2.0.0");
    expect(res.headers.get("GS1-CBV-Version")).toBe("2.0.0");
  });

  const cases: [string, number[]][] = [
    ["eventType=AggregationEvent|TransformationEvent", [4, 5]],
    [
      "GE_eventTime=2026-05-02T00:00:00.000%2B08:00&LT_eventTime=2026-05-04T00:00:00.000%2B08:00",
      [2, 3],
    ],
    ["GE_eventTime=2026-05-02T00:00:00.000+08:00&LT_eventTime=2026-05-03T00:00:00.000+08:00", [2]],
    ["EQ_action=ADD", [1, 4]],
    ["EQ_bizStep=shipping", [2]],
    ["EQ_bizStep=https://ref.gs1.org/cbv/BizStep-receiving|commissioning", [1, 3]],
    ["EQ_bizStep=https://example.cn/steps/juicing", [5]],
    ["EQ_disposition=in_progress", [3]],
    ["EQ_persistentDisposition_set=recalled", [3]],
    ["EQ_readPoint=https://id.gs1.org/414/0690123000010", [1]],
    ["EQ_bizLocation=urn:epc:id:sgln:0690123.00001.0", [2]],
    [`MATCH_epc=${item("S1")}`, [1, 4]],
    [`MATCH_parentID=urn:epc:id:sscc:0690123.1000000001`, [4]],
    [`MATCH_inputEPC=${item("S3")}`, [5]],
    [`MATCH_outputEPC=${item("S9")}`, [5]],
    [`MATCH_anyEPC=${item("S3")}`, [3, 5]],
    [`MATCH_anyEPC=urn:epc:id:sscc:0690123.1000000001`, [4]],
    [`MATCH_epc=urn:epc:idpat:sgtin:${cp}.045678.*`, [1, 2, 3, 4]],
    [`MATCH_epcClass=urn:epc:class:lgtin:${cp}.045678.LOT9`, [4]],
    [`MATCH_inputEPCClass=urn:epc:idpat:sgtin:${cp}.045678.*`, [5]],
    [`MATCH_anyEPCClass=urn:epc:class:lgtin:${cp}.045678.LOT9`, [4]],
    ["EQ_bizTransaction_po=urn:epcglobal:cbv:bt:0690123000010:PO-7", [2]],
    ["EQ_bizTransaction_inv=urn:epcglobal:cbv:bt:0690123000010:PO-7", []],
    ["EQ_source_owning_party=https://id.gs1.org/417/0690123000010", [2]],
    ["EQ_destination_location=urn:epc:id:sgln:0690123.00001.0", [3]],
    ["EQ_transformationID=urn:example:t:1", [5]],
    ["eventType=ObjectEvent&orderBy=eventTime&orderDirection=DESC&eventCountLimit=2", [3, 2]],
    ["eventType=ObjectEvent&orderBy=eventTime&orderDirection=ASC", [1, 2, 3]],
  ];
  for (const [params, expected] of cases) {
    it(`${params} → ${expected.join(", ") || "nothing"}`, async () => {
      const filter =
        params.startsWith("MATCH_") ||
        params.startsWith("EQ_source") ||
        params.startsWith("EQ_dest")
          ? ""
          : `&MATCH_anyEPC=${encodeURIComponent(`urn:epc:idpat:sgtin:${cp}.045678.*`)}|urn:epc:id:sscc:0690123.1000000001`;
      const { body, events } = await q(`/epcis/events?${params}${filter}&perPage=100`);
      expectValidEpcis(body);
      const got = ids(events);
      if (params.includes("orderBy")) expect(got).toEqual(expected);
      else expect([...got].sort()).toEqual(expected);
    });
  }

  it("EQ_eventID finds an event by its id", async () => {
    const { events } = await q(`/epcis/events?MATCH_epc=${item("S2")}&eventType=ObjectEvent`);
    const id = events[0]!.eventID as string;
    expect(ids((await q(`/epcis/events?EQ_eventID=${encodeURIComponent(id)}`)).events)).toEqual([
      2,
    ]);
  });

  it("refuses what the standard refuses: 400 QueryParameterException", async () => {
    for (const params of [
      "foo=1",
      "GE_eventTime=yesterday",
      "EQ_action=MOVE",
      "orderDirection=SIDEWAYS",
      "eventCountLimit=2",
      "eventCountLimit=2&maxEventCount=3&orderBy=eventTime",
      "orderBy=quantity",
      "perPage=0",
      "nextPageToken=forged",
    ]) {
      const res = await t.request("GET", `/epcis/events?${params}`, { key: producer.key });
      expect(res.status, params).toBe(400);
      expect(res.headers.get("content-type")).toMatch(/problem\+json/);
      expect(((await res.json()) as { epcisException: string }).epcisException).toBe(
        "epcisException:QueryParameterException",
      );
    }
  });

  it("501 for a standard parameter it does not support; 413 past maxEventCount", async () => {
    const res = await t.request("GET", "/epcis/events?EQ_quantity=5", { key: producer.key });
    expect(res.status).toBe(501);
    expect(((await res.json()) as { epcisException: string }).epcisException).toBe(
      "epcisException:ImplementationException",
    );
    const large = await t.request(
      "GET",
      `/epcis/events?maxEventCount=2&MATCH_anyEPC=${item("S1")}|${item("S2")}|${item("S3")}`,
      { key: producer.key },
    );
    expect(large.status).toBe(413);
    expect(((await large.json()) as { epcisException: string }).epcisException).toBe(
      "epcisException:QueryTooLargeException",
    );
    const fits = await q(`/epcis/events?maxEventCount=2&MATCH_epc=${item("S2")}`);
    expect(fits.events).toHaveLength(2);
  });

  it("needs a key; a pending organisation may query", async () => {
    expect((await t.request("GET", "/epcis/events")).status).toBe(401);
    expect((await t.request("GET", "/epcis/events?perPage=1", { key: pending.key })).status).toBe(
      200,
    );
  });
});

describe("pages", () => {
  const all = `MATCH_anyEPC=${encodeURIComponent(`urn:epc:idpat:sgtin:${cp}.045678.*`)}|urn:epc:id:sscc:0690123.1000000001`;

  async function pages(first: string, between?: (n: number) => Promise<void>) {
    const seen: unknown[] = [];
    let path: string | null = first;
    for (let n = 0; path && n < 20; n++) {
      const { res, events } = await q(path);
      seen.push(...ids(events));
      const link = res.headers.get("Link");
      path = link ? /^<([^>]+)>; rel="next"$/.exec(link)![1]! : null;
      await between?.(n);
    }
    return seen;
  }

  it("follows Link rel=next with perPage and nextPageToken, in arrival order", async () => {
    expect(await pages(`/epcis/events?${all}&perPage=2`)).toEqual([1, 2, 3, 4, 5]);
  });

  it("is stable while events are recorded between pages", async () => {
    let extra = 100;
    const insert = async () => {
      // An event earlier than every page's position, and one later: neither shifts a page.
      await capture(
        t,
        producer.key,
        documentOf(
          [
            {
              ...objectEvent([item(`X${++extra}`)], { eventTime: "2026-04-01T00:00:00.000+08:00" }),
              "zsq:n": extra,
            },
          ],
          { zsq: "https://example.cn/q#" },
        ),
      );
    };
    const byTime = await pages(
      `/epcis/events?${all}&perPage=2&orderBy=eventTime&orderDirection=ASC&eventType=AggregationEvent|TransformationEvent|ObjectEvent&GE_eventTime=2026-05-01T00:00:00.000%2B08:00`,
      insert,
    );
    expect(byTime).toEqual([1, 2, 3, 4, 5]);
    const byArrival = await pages(
      `/epcis/events?${all}&perPage=2&eventType=AggregationEvent|TransformationEvent`,
      insert,
    );
    expect(byArrival).toEqual([4, 5]);
  });

  it("counts eventCountLimit across pages", async () => {
    expect(
      await pages(
        `/epcis/events?${all}&perPage=2&orderBy=eventTime&orderDirection=ASC&eventCountLimit=3&GE_eventTime=2026-05-01T00:00:00.000%2B08:00`,
      ),
    ).toEqual([1, 2, 3]);
  });

  it("refuses a token with another query's parameters", async () => {
    const { res } = await q(`/epcis/events?${all}&perPage=1`);
    const token = new URL(
      `https://x${/^<([^>]+)>/.exec(res.headers.get("Link")!)![1]}`,
    ).searchParams.get("nextPageToken")!;
    const other = await t.request("GET", `/epcis/events?EQ_action=ADD&nextPageToken=${token}`, {
      key: producer.key,
    });
    expect(other.status).toBe(400);
  });
});

describe("GS1-EPC-Format", () => {
  it("writes identifiers as Digital Links by default, as URNs on request, as stored with Never_Translates", async () => {
    const path = `/epcis/events?MATCH_parentID=urn:epc:id:sscc:0690123.1000000001`;
    const dl = await q(path);
    expect(dl.res.headers.get("GS1-EPC-Format")).toBe("Always_GS1_Digital_Link");
    expect(dl.events[0]!.parentID).toBe(urnToDigitalLink("urn:epc:id:sscc:0690123.1000000001"));
    expect(dl.events[0]!.parentID).toMatch(/^https:\/\/id\.gs1\.org\/00\/\d{18}$/);
    expect(dl.events[0]!.childEPCs).toEqual([
      `https://id.gs1.org/01/${itemGtin}/21/S1`,
      `https://id.gs1.org/01/${itemGtin}/21/S2`,
    ]);
    const raw = await q(path, { "GS1-EPC-Format": "Never_Translates" });
    expect(raw.events[0]!.parentID).toBe("urn:epc:id:sscc:0690123.1000000001");
    const bizLocation = await q(`/epcis/events?EQ_bizLocation=urn:epc:id:sgln:0690123.00001.0`, {
      "GS1-EPC-Format": "Always_EPC_URN",
    });
    expect(bizLocation.events[0]!.bizLocation).toEqual({ id: "urn:epc:id:sgln:0690123.00001.0" });
    for (const doc of [dl, raw, bizLocation]) {
      const [event] = doc.events;
      expect(await eventHashId(event, doc.body["@context"])).toBe(event!.eventID);
    }
    expect(
      (
        await t.request("GET", path, {
          key: producer.key,
          headers: { "GS1-EPC-Format": "Sometimes" },
        })
      ).status,
    ).toBe(406);
  });
});

describe("shortcuts and collections", () => {
  it("GET /epcis/epcs/{epc}/events in either form", async () => {
    const urn = await q(`/epcis/epcs/${encodeURIComponent(item("S3"))}/events`);
    const dl = await q(
      `/epcis/epcs/${encodeURIComponent(`https://id.gs1.org/01/${itemGtin}/21/S3`)}/events`,
    );
    expect(ids(urn.events).sort()).toEqual([3, 5]);
    expect(ids(dl.events).sort()).toEqual([3, 5]);
  });

  it("GET /epcis/events/{eventID}: 404 for an unknown one", async () => {
    const res = await t.request("GET", `/epcis/events/${encodeURIComponent("urn:uuid:nobody")}`, {
      key: producer.key,
    });
    expect(res.status).toBe(404);
  });

  it("GET /epcis/bizSteps/{bizStep}/events and friends", async () => {
    const steps = await q(`/epcis/bizSteps/packing/events?MATCH_anyEPC=${item("S1")}`);
    expect(ids(steps.events)).toEqual([4]);
    const types = await q(
      `/epcis/eventTypes/TransformationEvent/events?MATCH_anyEPC=${item("S9")}`,
    );
    expect(ids(types.events)).toEqual([5]);
  });

  it("lists event types, business steps, dispositions, read points and business locations", async () => {
    const get = async (path: string) =>
      (await (await t.request("GET", path, { key: producer.key })).json()) as {
        type: string;
        member: string[];
      };
    const types = await get("/epcis/eventTypes");
    expect(types.type).toBe("Collection");
    expect(types.member).toEqual(
      expect.arrayContaining([
        "ObjectEvent",
        "AggregationEvent",
        "TransformationEvent",
        "TransactionEvent",
        "AssociationEvent",
      ]),
    );
    const steps = (await get("/epcis/bizSteps")).member;
    expect(steps).toHaveLength(new Set(steps).size);
    expect(steps).toEqual(
      expect.arrayContaining(["shipping", "receiving", "https://example.cn/steps/juicing"]),
    );
    expect((await get("/epcis/dispositions")).member).toContain("in_transit");
    expect((await get("/epcis/readPoints")).member).toContain("urn:epc:id:sgln:0690123.00001.0");
    expect((await get("/epcis/bizLocations")).member).toContain(
      "https://id.gs1.org/414/0690123000010",
    );
  });
});

describe("one ledger: the lifecycle API and EPCIS see the same events", () => {
  it("events recorded through the lifecycle API answer EPCIS queries", async () => {
    const lot = await seedLot(t, producer, { count: 2 });
    const epc = `https://id.gs1.org/01/${lot.gtin}/21/${lot.items[0]!.serial}`;
    const { body, events } = await q(`/epcis/events?MATCH_epc=${encodeURIComponent(epc)}`);
    expectValidEpcis(body);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: "ObjectEvent",
      action: "ADD",
      bizStep: "commissioning",
      disposition: "active",
    });
    expect(await eventHashId(events[0], body["@context"])).toBe(events[0]!.eventID);
  });

  it("EPCIS-captured ObjectEvents on items the service knows join their history and scan page", async () => {
    const lot = await seedLot(t, producer, { count: 1 });
    const serial = lot.items[0]!.serial;
    // Sent as an EPC URN: the service still knows it is the item /01/{gtin}/21/{serial}.
    const urn = `urn:epc:id:sgtin:${lot.gtin.slice(1, 8)}.${lot.gtin.slice(0, 1)}${lot.gtin.slice(8, 13)}.${serial}`;
    const job = await capture(
      t,
      producer.key,
      documentOf([
        objectEvent([urn], {
          eventTime: "2026-06-01T20:00:00.000+08:00",
          bizStep: "inspecting",
          disposition: "conformant",
        }),
      ]),
    );
    expect(job.status).toBe("success");
    const history = (await (
      await t.request("GET", `/v1/history/01/${lot.gtin}/21/${serial}`)
    ).json()) as { events: { kind: string; bizStep: string }[] };
    expect(history.events.map((e) => e.kind)).toEqual(["commission", "epcis"]);
    expect(history.events[1]!.bizStep).toBe("inspecting");
    const page = await t.request("GET", `/01/${lot.gtin}/21/${serial}`, {
      headers: { Accept: "application/json" },
    });
    expect(page.status).toBe(200);
    const view = (await page.json()) as {
      timeline: { kind: string; bizStep: string; time: string }[];
    };
    expect(view.timeline).toHaveLength(2);
    expect(view.timeline[1]).toMatchObject({
      bizStep: "inspecting",
      time: "2026-06-01T12:00:00.000Z",
    });
  });
});
