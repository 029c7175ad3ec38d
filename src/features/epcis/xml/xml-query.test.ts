// XML query answers: valid against GS1's query XSD, same events and hashes as JSON-LD, CBV and EPC formats.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../../test/app";
import { makeOrg, type OrgWithKey } from "../../../../test/factories";
import { eventHashId, eventsOfDocument } from "../../../ledger/event-hash";
import {
  capture,
  documentOf,
  fixtureFiles,
  objectEvent,
  query,
  readJson,
  waitForJob,
} from "../test-helpers";
import { libxml2Validator } from "./libxml2-validator";
import { readXmlDocument } from "./read";

const XML = "test/fixtures/epcis-xml";
let t: TestApp;
let org: OrgWithKey;

async function getXml(path: string, headers: Record<string, string> = {}) {
  const res = await t.request("GET", path, {
    key: org.key,
    headers: { Accept: "application/xml", ...headers },
  });
  const body = await res.text();
  expect(res.status, body).toBe(200);
  expect(res.headers.get("Content-Type")).toContain("application/xml");
  return { res, body };
}

const validQueryXml = async (xml: string) => libxml2Validator.validate(xml, () => "query-2.0");

async function hashes(doc: Record<string, unknown>): Promise<string[]> {
  const { context, events } = eventsOfDocument(doc);
  return Promise.all(events.map((e) => eventHashId(e, context)));
}

let stored = 0;
beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t, ["producer"]);
  // GS1's XML examples and the standard's JSON-LD examples, all in one ledger.
  const xmlFiles = readdirSync(join(XML, "gs1"), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(".xml") && !f.startsWith("CaptureJob/"));
  for (const f of xmlFiles) {
    const res = await t.request("POST", "/epcis/capture", {
      body: readFileSync(join(XML, "gs1", f), "utf8"),
      key: org.key,
      headers: { "Content-Type": "application/xml" },
    });
    expect(res.status).toBe(202);
    stored += (await waitForJob(t, res.headers.get("Location")!, org.key)).capturedCount;
  }
  for (const f of [...fixtureFiles("examples"), ...fixtureFiles("capture-valid")]) {
    stored += (await capture(t, org.key, readJson(f))).capturedCount;
  }
}, 300_000);
afterAll(() => t.close());

describe("GET /epcis/events with Accept: application/xml", () => {
  it("answers every stored event in an EPCISQueryDocument valid against GS1's query XSD", async () => {
    const { body } = await getXml("/epcis/events?perPage=1000");
    expect(await validQueryXml(body)).toEqual([]);
    const doc = await readXmlDocument(body, libxml2Validator);
    const { events } = eventsOfDocument(doc);
    // Every stored event but the originals of error declarations, answered in declared form.
    expect(events.length).toBe(stored - 2);
    expect(events.length).toBe(
      (await query(t, org.key, "/epcis/events?perPage=1000")).events.length,
    );
  });

  it("gives the events of the JSON-LD answer, with the same Event Hash IDs", async () => {
    const json = await query(t, org.key, "/epcis/events?perPage=1000");
    const { body } = await getXml("/epcis/events?perPage=1000");
    const doc = await readXmlDocument(body, libxml2Validator);
    const a = await hashes(doc);
    const b = await hashes(json.body as unknown as Record<string, unknown>);
    expect(a).toEqual(b);
  });

  it("captured again, its XML is recognised event by event as what is stored", async () => {
    const { body } = await getXml("/epcis/events?perPage=1000");
    const res = await t.request("POST", "/epcis/capture", {
      body,
      key: org.key,
      headers: { "Content-Type": "application/xml" },
    });
    expect(res.status, await res.clone().text()).toBe(202);
    const job = await waitForJob(t, res.headers.get("Location")!, org.key);
    expect(job.errors).toEqual([]);
    expect([job.capturedCount, job.duplicateCount]).toEqual([0, stored - 2]);
  });

  it("writes CBV values as GS1-CBV-XML-Format asks, and says which it used", async () => {
    const path = "/epcis/events?EQ_bizStep=receiving&perPage=5";
    const urn = await getXml(path);
    expect(urn.res.headers.get("GS1-CBV-XML-Format")).toBe("No_Preference");
    expect(urn.body).toContain("<bizStep>urn:epcglobal:cbv:bizstep:receiving</bizStep>");
    const web = await getXml(path, { "GS1-CBV-XML-Format": "Always_Web_URI" });
    expect(web.res.headers.get("GS1-CBV-XML-Format")).toBe("Always_Web_URI");
    expect(web.body).toContain("<bizStep>https://ref.gs1.org/cbv/BizStep-receiving</bizStep>");
    expect(web.body).not.toContain("urn:epcglobal:cbv:bizstep:");
    expect(await validQueryXml(web.body)).toEqual([]);
    const asUrn = await getXml(path, { "GS1-CBV-XML-Format": "Always_URN" });
    expect(asUrn.body).not.toContain("https://ref.gs1.org/cbv/BizStep-");
    const bad = await t.request("GET", path, {
      key: org.key,
      headers: { Accept: "application/xml", "GS1-CBV-XML-Format": "Sometimes" },
    });
    expect(bad.status).toBe(406);
  });

  it("writes identifiers as GS1-EPC-Format asks", async () => {
    const path = "/epcis/events?MATCH_epc=urn:epc:id:sgtin:0614141.107346.2017&perPage=50";
    const dl = await getXml(path);
    expect(dl.body).toContain("<epc>https://id.gs1.org/01/10614141073464/21/2017</epc>");
    const urn = await getXml(path, { "GS1-EPC-Format": "Always_EPC_URN" });
    expect(urn.body).toContain("<epc>urn:epc:id:sgtin:0614141.107346.2017</epc>");
    expect(urn.body).not.toContain("https://id.gs1.org/01/10614141073464/21/2017");
  });

  it("answers one event and a named query's events in XML too", async () => {
    const own = await capture(
      t,
      org.key,
      documentOf([
        objectEvent(["urn:epc:id:sgtin:0614141.107346.9001"], {
          eventID: "urn:uuid:0b9c3f52-55f0-4d39-9f5a-1d1a7f0e0001",
        }),
      ]),
    );
    expect(own.capturedCount).toBe(1);
    const one = await getXml(
      `/epcis/events/${encodeURIComponent("urn:uuid:0b9c3f52-55f0-4d39-9f5a-1d1a7f0e0001")}`,
    );
    expect(await validQueryXml(one.body)).toEqual([]);
    expect(one.body.match(/<ObjectEvent>/g)).toHaveLength(1);
    const created = await t.request("POST", "/epcis/queries", {
      key: org.key,
      json: { name: "xml-shipping", query: { EQ_bizStep: ["shipping"] } },
    });
    expect(created.status).toBe(201);
    const named = await getXml("/epcis/queries/xml-shipping/events");
    expect(named.body).toContain("<queryName>xml-shipping</queryName>");
    expect(await validQueryXml(named.body)).toEqual([]);
  });

  it("answers JSON-LD when Accept prefers it or names neither", async () => {
    for (const accept of [
      undefined,
      "*/*",
      "application/json",
      "application/json, application/xml;q=0.5",
    ]) {
      const res = await t.request("GET", "/epcis/events?perPage=1", {
        key: org.key,
        headers: accept ? { Accept: accept } : {},
      });
      expect(res.headers.get("Content-Type")).toContain("json");
    }
  });
});

describe("GET /epcis/epcs", () => {
  it("lists every identifier events name once, a page at a time, in the EPC format asked for", async () => {
    const seen: string[] = [];
    let path: string | null = "/epcis/epcs?perPage=200";
    while (path) {
      const res = await t.request("GET", path, { key: org.key });
      expect(res.status).toBe(200);
      seen.push(...((await res.json()) as { member: string[] }).member);
      path = /<([^>]+)>; rel="next"/.exec(res.headers.get("Link") ?? "")?.[1] ?? null;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toContain("https://id.gs1.org/01/10614141073464/21/2017");
    const urn = await t.request("GET", "/epcis/epcs?perPage=1000", {
      key: org.key,
      headers: { "GS1-EPC-Format": "Always_EPC_URN" },
    });
    const members = ((await urn.json()) as { member: string[] }).member;
    expect(members).not.toContain("https://id.gs1.org/01/10614141073464/21/2017");
    expect(members.some((m) => m.startsWith("urn:epc:id:sgtin:"))).toBe(true);
    // Each is the {epc} of its events.
    const events = await query(t, org.key, `/epcis/epcs/${encodeURIComponent(seen[0]!)}/events`);
    expect(events.events.length).toBeGreaterThan(0);
    expect((await t.request("GET", "/epcis/epcs")).status).toBe(401);
  });
});
