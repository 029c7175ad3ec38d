// Master data: stored from JSON-LD and XML headers with owners and history, queried (WD_, HASATTR_, EQATTR_), shown by name.
import { readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { makeOrg, type OrgWithKey } from "../../../test/factories";
import { seedLot } from "../../../test/seed";
import { epcisVocabularyElements, epcisVocabularyHistory, events } from "../../db/schema";
import { BackwardTrace } from "../trace/schemas";
import { capture, documentOf, objectEvent, query, waitForJob } from "./test-helpers";

const SGLN = (ext: string) => `urn:epc:id:sgln:0037000.00729.${ext}`;
const NAME = "urn:epcglobal:cbv:mda:name";

let t: TestApp;
let owner: OrgWithKey;
let other: OrgWithKey;
let regulator: OrgWithKey;

function withMasterData(doc: Record<string, unknown>, vocabularyList: unknown[]) {
  return { ...doc, epcisHeader: { epcisMasterData: { vocabularyList } } };
}

async function captureXml(key: string, path: string) {
  const res = await t.request("POST", "/epcis/capture", {
    body: readFileSync(path, "utf8"),
    key,
    headers: { "Content-Type": "application/xml" },
  });
  expect(res.status, await res.clone().text()).toBe(202);
  return waitForJob(t, res.headers.get("Location")!, key);
}

const eventIds = async (path: string, key = owner.key) =>
  (await query(t, key, path)).events.map((e) => e.eventID).sort();

const at = (id: string, field: "bizLocation" | "readPoint" = "bizLocation") =>
  objectEvent(["urn:epc:id:sgtin:0614141.107346.2017"], {
    eventID: `urn:uuid:00000000-0000-4000-8000-${(field === "readPoint" ? "1" : "0") + id.slice(-11).replace(/\D/g, "0").padStart(11, "0")}`,
    [field]: { id },
  });

beforeAll(async () => {
  t = await createTestApp();
  [owner, other, regulator] = await Promise.all([
    makeOrg(t, ["producer"], { nameZh: "仓储公司" }),
    makeOrg(t, ["producer"], { nameZh: "别家公司" }),
    makeOrg(t, ["regulator"]),
  ]);
  // GS1's master data example: a site (…0) with three sub-locations, 8203 also under 8202.
  const job = await captureXml(
    owner.key,
    "test/fixtures/epcis-xml/gs1/Mimasu/Example-masterData.xml",
  );
  expect(job.status).toBe("success");
  expect(job.eventCount).toBe(0);
  const events = [
    ...["0", "8201", "8202", "8203", "9999"].map((e) => at(SGLN(e))),
    ...["8201", "8203"].map((e) => at(SGLN(e), "readPoint")),
  ];
  expect((await capture(t, owner.key, documentOf(events))).capturedCount).toBe(7);
});
afterAll(() => t.close());

const idOf = (ext: string, field: "bizLocation" | "readPoint" = "bizLocation") =>
  (at(SGLN(ext), field) as { eventID: string }).eventID;

describe("master data from a document's header is stored", () => {
  it("from an XML EPCISMasterDataDocument: every element, its attributes and children", async () => {
    const types = await t.request("GET", "/epcis/vocabularies", { key: owner.key });
    expect(((await types.json()) as { member: string[] }).member).toEqual([
      "urn:epcglobal:epcis:vtype:BusinessLocation",
      "urn:epcglobal:epcis:vtype:ReadPoint",
    ]);
    const res = await t.request("GET", "/epcis/vocabularies/BusinessLocation", { key: owner.key });
    const body = (await res.json()) as {
      vocabularyElementList: {
        id: string;
        attributes: { id: string; attribute: unknown }[];
        children: string[];
      }[];
    };
    expect(body.vocabularyElementList.map((e) => e.id).sort()).toEqual(
      ["0", "8201", "8202", "8203"].map(SGLN),
    );
    const site = body.vocabularyElementList.find((e) => e.id === SGLN("0"))!;
    expect(site.children).toEqual(["8201", "8202", "8203"].map(SGLN));
    expect(site.attributes).toContainEqual({
      id: "http://epcis.example.com/mda/address",
      attribute: {
        "example:Address": {
          Street: "100 Nowhere Street",
          City: "Fancy",
          State: "DC",
          Zip: "99999",
        },
      },
    });
    // CBV 1.x attribute names (urn:epcglobal:cbv:mda:sst here) are kept in the CBV 2.0 spelling.
    const one = await t.request(
      "GET",
      `/epcis/vocabularies/BusinessLocation/${encodeURIComponent(SGLN("8203"))}`,
      { key: owner.key },
    );
    expect(await one.json()).toMatchObject({
      owner: owner.org.id,
      version: 1,
      attributes: [
        { id: "urn:epcglobal:cbv:mda:sst", attribute: "202" },
        { id: "urn:epcglobal:cbv:mda:ssa", attribute: "402" },
      ],
      history: [{ version: 1, by: owner.org.id }],
    });
    // The same element by its Digital Link.
    const dl = await t.request(
      "GET",
      `/epcis/vocabularies/BusinessLocation/${encodeURIComponent("https://id.gs1.org/414/0037000007296/254/8203")}`,
      { key: owner.key },
    );
    expect(dl.status).toBe(200);
  });

  it("needs a key to read, and answers an unknown element with 404", async () => {
    expect((await t.request("GET", "/epcis/vocabularies")).status).toBe(401);
    const res = await t.request(
      "GET",
      `/epcis/vocabularies/ReadPoint/${encodeURIComponent(SGLN("1"))}`,
      {
        key: owner.key,
      },
    );
    expect(res.status).toBe(404);
  });
});

describe("WD_ descends the children hierarchy", () => {
  it("WD_bizLocation of the site finds the site and every sub-location, through two levels", async () => {
    expect(await eventIds(`/epcis/events?WD_bizLocation=${SGLN("0")}`)).toEqual(
      ["0", "8201", "8202", "8203"].map((e) => idOf(e)).sort(),
    );
    // The same by the site's Digital Link.
    expect(
      await eventIds(
        `/epcis/events?WD_bizLocation=${encodeURIComponent("https://id.gs1.org/414/0037000007296")}`,
      ),
    ).toHaveLength(4);
  });

  it("WD_ of a leaf, or of a place without master data, is that place alone", async () => {
    expect(await eventIds(`/epcis/events?WD_bizLocation=${SGLN("8202")}`)).toEqual(
      ["8202", "8203"].map((e) => idOf(e)).sort(),
    );
    expect(await eventIds(`/epcis/events?WD_bizLocation=${SGLN("9999")}`)).toEqual([idOf("9999")]);
    expect(await eventIds(`/epcis/events?EQ_bizLocation=${SGLN("0")}`)).toEqual([idOf("0")]);
  });

  it("WD_readPoint uses the same hierarchy", async () => {
    expect(await eventIds(`/epcis/events?WD_readPoint=${SGLN("8202")}`)).toEqual([
      idOf("8203", "readPoint"),
    ]);
  });
});

describe("HASATTR_ and EQATTR_", () => {
  const SST = encodeURIComponent("urn:epcglobal:cbv:mda:sst");

  it("HASATTR_bizLocation finds the events at places whose master data has the attribute", async () => {
    expect(await eventIds(`/epcis/events?HASATTR_bizLocation=${SST}`)).toEqual(
      ["8201", "8202", "8203"].map((e) => idOf(e)).sort(),
    );
    // The CBV 1.x spelling of the name means the same attribute.
    expect(
      await eventIds(
        `/epcis/events?HASATTR_bizLocation=${encodeURIComponent("urn:epcglobal:cbv:mda#sst")}`,
      ),
    ).toHaveLength(3);
    expect(
      await eventIds(
        `/epcis/events?HASATTR_bizLocation=${encodeURIComponent("urn:epcglobal:cbv:mda:nothing")}`,
      ),
    ).toEqual([]);
  });

  it("EQATTR_bizLocation_{attribute} matches the value; the read point vocabulary is its own", async () => {
    expect(await eventIds(`/epcis/events?EQATTR_bizLocation_${SST}=202`)).toEqual(
      ["8202", "8203"].map((e) => idOf(e)).sort(),
    );
    expect(await eventIds(`/epcis/events?EQATTR_bizLocation_${SST}=999`)).toEqual([]);
    // As read points, 8203 has sst 203 (and 8201 201): another vocabulary, other values.
    expect(await eventIds(`/epcis/events?EQATTR_readPoint_${SST}=203`)).toEqual([
      idOf("8203", "readPoint"),
    ]);
    expect(await eventIds(`/epcis/events?EQATTR_readPoint_${SST}=202`)).toEqual([]);
  });

  it("refuses a malformed one (400) and one on a field without master data here (501)", async () => {
    const bad = await t.request("GET", "/epcis/events?EQATTR_bizLocation=1", { key: owner.key });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { epcisException: string }).epcisException).toBe(
      "epcisException:QueryParameterException",
    );
    const unsupported = await t.request("GET", `/epcis/events?HASATTR_bizStep=${SST}`, {
      key: owner.key,
    });
    expect(unsupported.status).toBe(501);
  });
});

describe("who may change master data", () => {
  const site = (name: string) =>
    withMasterData(documentOf([]), [
      {
        type: "urn:epcglobal:epcis:vtype:BusinessLocation",
        vocabularyElementList: [{ id: SGLN("0"), attributes: [{ id: NAME, attribute: name }] }],
      },
    ]);
  const versions = async () =>
    Number(
      (
        await t.db
          .select({ n: sql<number>`count(*)` })
          .from(epcisVocabularyHistory)
          .where(sql`${epcisVocabularyHistory.elementId} = ${SGLN("0")}`)
      )[0]!.n,
    );

  it("another organisation is refused whole (403), nothing stored, not even the job", async () => {
    const before = await versions();
    const jobsBefore = await t.request("GET", "/epcis/capture", { key: other.key });
    const doc = { ...site("冒名仓库"), epcisBody: { eventList: [at(SGLN("7777"))] } };
    const res = await t.request("POST", "/epcis/capture", { json: doc, key: other.key });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { detail: string }).detail).toContain(owner.org.id);
    expect(await versions()).toBe(before);
    expect(
      ((await (await t.request("GET", "/epcis/capture", { key: other.key })).json()) as unknown[])
        .length,
    ).toBe(((await jobsBefore.json()) as unknown[]).length);
    const [row] = await t.db
      .select({ n: sql<number>`count(*)` })
      .from(events)
      .where(sql`${events.bizLocation} = ${SGLN("7777")}`);
    expect(Number(row!.n)).toBe(0);
  });

  it("the owner replaces it (a new version, the old one kept); the same description again changes nothing", async () => {
    const before = await versions();
    expect((await capture(t, owner.key, site("一号仓库"))).status).toBe("success");
    expect((await capture(t, owner.key, site("一号仓库"))).status).toBe("success");
    expect(await versions()).toBe(before + 1);
    const [row] = await t.db
      .select()
      .from(epcisVocabularyElements)
      .where(sql`${epcisVocabularyElements.elementId} = ${SGLN("0")}`);
    expect(row!.version).toBe(before + 1);
    expect(row!.attributes).toEqual([{ id: NAME, attribute: "一号仓库" }]);
  });

  it("a regulator may correct it; the owner stays the owner", async () => {
    expect((await capture(t, regulator.key, site("一号仓库（更正）"))).status).toBe("success");
    const res = await t.request(
      "GET",
      `/epcis/vocabularies/BusinessLocation/${encodeURIComponent(SGLN("0"))}`,
      { key: other.key },
    );
    const body = (await res.json()) as { owner: string; history: { by: string }[] };
    expect(body.owner).toBe(owner.org.id);
    expect(body.history.at(-1)!.by).toBe(regulator.org.id);
  });
});

describe("names from master data on the scan page and in traces", () => {
  it("shows the business location's name (zh or en) in the timeline and the trace", async () => {
    const lot = await seedLot(t, owner, { count: 1 });
    const item = lot.items[0]!;
    const place = "urn:epc:id:sgln:0614141.00777.0";
    const doc = withMasterData(
      documentOf([
        objectEvent([`https://id.gs1.org${item.key}`], {
          bizStep: "storing",
          disposition: "in_progress",
          bizLocation: { id: place },
        }),
      ]),
      [
        {
          type: "urn:epcglobal:epcis:vtype:BusinessLocation",
          vocabularyElementList: [
            {
              id: "https://id.gs1.org/414/0614141007776",
              attributes: [
                {
                  id: "urn:epcglobal:cbv:mda#name",
                  attribute: { "@value": "台州冷链仓", "@language": "zh" },
                },
                {
                  id: "cbvmda:name",
                  attribute: { "@value": "Taizhou cold store", "@language": "en" },
                },
              ],
            },
          ],
        },
      ],
    );
    expect((await capture(t, owner.key, doc)).capturedCount).toBe(1);
    const zh = await (await t.request("GET", item.key)).text();
    expect(zh).toContain("台州冷链仓");
    const en = await (
      await t.request("GET", item.key, { headers: { "Accept-Language": "en" } })
    ).text();
    expect(en).toContain("Taizhou cold store");
    const json = (await (
      await t.request("GET", item.key, { headers: { Accept: "application/json" } })
    ).json()) as { timeline: { location: unknown }[] };
    expect(json.timeline.map((e) => e.location)).toContainEqual({
      name: "台州冷链仓",
      zh: "台州冷链仓",
      en: "Taizhou cold store",
    });
    // Events without master data keep what they showed: the commissioning has no location name.
    expect(json.timeline.filter((e) => e.location === null).length).toBeGreaterThan(0);
    const trace = BackwardTrace.parse(
      await (await t.request("GET", `/v1/trace${item.key}`, { key: regulator.key })).json(),
    );
    const stored = trace.events.find((e) => e.where.bizLocation === place)!;
    expect(stored.where.bizLocationName).toEqual({
      name: "台州冷链仓",
      zh: "台州冷链仓",
      en: "Taizhou cold store",
    });
    expect(trace.events.filter((e) => e.where.bizLocationName === null).length).toBeGreaterThan(0);
  });
});
