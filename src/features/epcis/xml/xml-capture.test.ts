// EPCIS XML capture: GS1's examples, the Event Hash ID of XML and JSON-LD forms, 1.2 → 2.0, refusals with lines.
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../../test/app";
import { makeOrg, type OrgWithKey } from "../../../../test/factories";
import { eventKeys, events } from "../../../db/schema";
import { eventHashId, eventsOfDocument, preHashString } from "../../../ledger/event-hash";
import { fixtureFiles, readJson, waitForJob } from "../test-helpers";
import { libxml2Validator } from "./libxml2-validator";
import { readXmlDocument } from "./read";

const XML = "test/fixtures/epcis-xml";
const HASH_XML = "test/fixtures/event-hash-xml";
const read = (path: string) => readFileSync(path, "utf8");

let t: TestApp;
let org: OrgWithKey;
beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t, ["producer"]);
});
afterAll(() => t.close());
beforeEach(async () => {
  await t.db.execute(sql`truncate ${eventKeys} restart identity cascade`);
});

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  t.request("POST", path, {
    body,
    key: org.key,
    headers: { "Content-Type": "application/xml", ...headers },
  });

async function storedCount(): Promise<number> {
  const [row] = await t.db.select({ n: sql<number>`count(*)` }).from(events);
  return Number(row!.n);
}

async function captureXml(body: string, headers: Record<string, string> = {}) {
  const res = await post("/epcis/capture", body, headers);
  expect(res.status, await res.clone().text()).toBe(202);
  return waitForJob(t, res.headers.get("Location")!, org.key);
}

async function hashesOf(xml: string): Promise<string[]> {
  const doc = await readXmlDocument(xml, libxml2Validator);
  const { context, events: list } = eventsOfDocument(doc);
  return Promise.all(list.map((e) => eventHashId(e, context)));
}

const gs1Examples = readdirSync(join(XML, "gs1"), { recursive: true })
  .map(String)
  .filter((f) => f.endsWith(".xml"))
  .sort();

describe("every EPCIS XML example of GS1's EPCIS repository", () => {
  const documents = gs1Examples.filter((f) => !f.startsWith("CaptureJob/"));
  for (const file of documents) {
    it(`captures ${file}`, async () => {
      const xml = read(join(XML, "gs1", file));
      const expected = (await hashesOf(xml)).length;
      const job = await captureXml(xml);
      expect(job.errors).toEqual([]);
      expect(job.status).toBe("success");
      expect(job.eventCount).toBe(expected);
      expect(job.capturedCount + job.duplicateCount).toBe(expected);
      expect(await storedCount()).toBe(job.capturedCount);
    });
  }

  it("refuses the CaptureJob examples, which are answers, not documents to capture", async () => {
    for (const file of gs1Examples.filter((f) => f.startsWith("CaptureJob/"))) {
      const res = await post("/epcis/capture", read(join(XML, "gs1", file)));
      expect(res.status).toBe(400);
      const problem = (await res.json()) as { detail: string };
      expect(problem.detail).toContain("EPCISCaptureJob is not an EPCISDocument");
    }
  });
});

describe("the Event Hash ID of an event is the same in XML and JSON-LD", () => {
  const dir = join(XML, "gs1", "WithEventHashID");
  const base = () => hashesOf(read(join(dir, "event_with_identical_hash_id_1.xml")));

  it("five other XML spellings (EPC order, quantity order, another prefix, xsi:type) and the JSON-LD form give the hash of the first", async () => {
    const [expected] = await base();
    for (const n of [3, 4, 5, 6]) {
      expect(await hashesOf(read(join(dir, `event_with_identical_hash_id_${n}.xml`)))).toEqual([
        expected,
      ]);
    }
    const json = readJson(join(dir, "event_with_identical_hash_id_7.json"));
    const { context, events: list } = eventsOfDocument(json);
    expect(await eventHashId(list[0], context)).toBe(expected);
  });

  it("the spelling with another eventTimeZoneOffset differs only there, since CBV 2.0 hashes the offset", async () => {
    // GS1's example 2 states the same instant at -05:00 and says its hash is the same; CBV 2.0
    // section 8.9 (and its reference implementation) put eventTimeZoneOffset in the pre-hash
    // string, so the two strings differ in that field alone.
    const pre = async (n: number) => {
      const doc = await readXmlDocument(
        read(join(dir, `event_with_identical_hash_id_${n}.xml`)),
        libxml2Validator,
      );
      const { context, events: list } = eventsOfDocument(doc);
      return preHashString(list[0], context);
    };
    const [one, two] = [await pre(1), await pre(2)];
    expect(two).not.toBe(one);
    expect(two.replace("eventTimeZoneOffset=-05:00", "eventTimeZoneOffset=-06:00")).toBe(one);
  });

  it("captured as XML after its JSON-LD form, the event is recognised as stored", async () => {
    // GS1's JSON form writes CBV 1.x URNs, which GS1's JSON Schema refuses in JSON-LD: written
    // here as the binding's CBV 2.0 terms, which changes nothing the hash sees.
    const json = JSON.parse(
      read(join(dir, "event_with_identical_hash_id_7.json")).replace(
        /urn:epcglobal:cbv:(?:bizstep|disp|btt|sdt):/g,
        "",
      ),
    );
    const first = await t.request("POST", "/epcis/capture", { json, key: org.key });
    expect(first.status).toBe(202);
    const j1 = await waitForJob(t, first.headers.get("Location")!, org.key);
    expect(j1.capturedCount).toBe(1);
    for (const n of [1, 3, 4, 5, 6]) {
      const job = await captureXml(read(join(dir, `event_with_identical_hash_id_${n}.xml`)));
      expect([job.capturedCount, job.duplicateCount]).toEqual([0, 1]);
    }
    expect(await storedCount()).toBe(1);
  });

  describe("the reference implementation's XML test vectors (RalphTro/epcis-event-hash-generator)", () => {
    const files = readdirSync(HASH_XML).filter((f) => f.endsWith(".xml"));
    // Documents that GS1's XSD refuses (an older sensor draft, elements outside the schema): the
    // capture interface refuses them too, with the line.
    const notSchemaValid = new Set([
      "SensorDataExamples.xml",
      "epcisQueryDocument.xml",
      "epcisXmlDocHavingEventWithIgnoreFields.xml",
      "epcisXmlQueryDocHavingEventWithIgnoreFields.xml",
    ]);
    for (const file of files) {
      const b = basename(file, ".xml");
      it(b, async () => {
        const xml = read(join(HASH_XML, file));
        if (notSchemaValid.has(file)) {
          await expect(readXmlDocument(xml, libxml2Validator)).rejects.toMatchObject({
            code: "epcis_validation",
            detail: expect.stringMatching(/line \d+: /),
          });
          return;
        }
        const expected = read(join(HASH_XML, `${b}.hashes`))
          .trim()
          .split("\n");
        expect(await hashesOf(xml)).toEqual(expected);
      });
    }
  });
});

describe("EPCIS 1.2 documents are captured as their 2.0 equivalents", () => {
  it("stores the same events, with the same hashes, as the 2.0 form of the document", async () => {
    const pairs = join(XML, "pairs");
    const job12 = await captureXml(read(join(pairs, "pharma-1.2.xml")));
    expect(job12.errors).toEqual([]);
    expect(job12.capturedCount).toBe(3);
    const stored = await t.db.select().from(events).orderBy(events.id);
    // The same document in 2.0: every event is recognised as the one already stored.
    const job20 = await captureXml(read(join(pairs, "pharma-2.0.xml")));
    expect([job20.capturedCount, job20.duplicateCount]).toEqual([0, 3]);
    const doc20 = await readXmlDocument(read(join(pairs, "pharma-2.0.xml")), libxml2Validator);
    const { events: list20 } = eventsOfDocument(doc20);
    expect(stored.map((e) => e.hashId)).toEqual(
      await hashesOf(read(join(pairs, "pharma-2.0.xml"))),
    );
    // What was stored from 1.2 is the 2.0 event itself (recordTime and the hash eventID aside).
    stored.forEach((row, i) => {
      const { recordTime: _r, ...doc } = row.document;
      const sent = list20[i] as Record<string, unknown>;
      expect({ ...doc, eventID: sent.eventID ?? doc.eventID }).toEqual({
        ...sent,
        eventID: sent.eventID ?? doc.eventID,
      });
    });
    // The wrappers are gone, the CBV 1.x URNs are CBV 2.0 terms, the 1.2 TransformationEvent is one.
    const [shipping, commissioning, transformation] = stored.map((e) => e.document);
    expect(shipping).toMatchObject({
      eventID: "urn:uuid:5f0c8e1e-2a4b-4c7e-9a51-0b6d1c2e3f40",
      bizStep: "shipping",
      disposition: "in_transit",
      quantityList: [{ quantity: 200, uom: "KGM" }],
      sourceList: [{ type: "owning_party" }],
      "zs:waybill": "SF1234567890",
    });
    expect(shipping).not.toHaveProperty("extension");
    expect(commissioning).toMatchObject({ ilmd: { "zs:expiry": "2027-05-29" } });
    expect(transformation).toMatchObject({ type: "TransformationEvent", "zs:batch": "B-7" });
  });

  it("captures GS1's and openepcis' 1.2 examples that their own 1.2 XSD accepts", async () => {
    for (const file of [
      ...readdirSync(join(XML, "gs1-1.2")).map((f) => join(XML, "gs1-1.2", f)),
      ...fixtureFiles("../epcis-xml/openepcis/1.2"),
    ]) {
      const res = await post("/epcis/capture", read(file), {
        "GS1-Capture-Error-Behaviour": "proceed",
      });
      const name = basename(file);
      if (name === "ObjectEvent.xml" && file.includes("gs1-1.2")) {
        // <extension><extension><myField>: an unqualified field EPCIS 2.0 has no place for.
        expect(res.status).toBe(400);
        expect(((await res.json()) as { detail: string }).detail).toContain(
          "line 46: element 'myField' (no namespace) is not a field of ObjectEvent",
        );
        continue;
      }
      if (name === "AssociationEvent.xml" && file.includes("gs1-1.2")) {
        expect(res.status).toBe(400); // its sensorMetaData is misspelt (sensorMetadata)
        continue;
      }
      expect(res.status, `${file}: ${await res.clone().text()}`).toBe(202);
      const job = await waitForJob(t, res.headers.get("Location")!, org.key);
      // One openepcis example has an SSCC-like GIAI with a bad check digit: that event alone is refused.
      const refused = job.errors.map((e) => e.detail);
      if (name === "All_eventTypes_in_single_document.xml") {
        expect(refused).toEqual([expect.stringContaining("bad check digit")]);
      } else expect(refused, file).toEqual([]);
    }
  });
});

describe("invalid XML documents are refused whole, with the line and the reason", () => {
  const refusedWith = async (body: string, line: number, reason: RegExp | string) => {
    const res = await post("/epcis/capture", body);
    const problem = (await res.json()) as {
      code: string;
      detail: string;
      epcisException: string;
      errors: { path: string; message: string }[];
    };
    expect(res.status).toBe(400);
    expect(res.headers.get("Content-Type")).toContain("application/problem+json");
    expect(problem.code).toBe("epcis_validation");
    expect(problem.epcisException).toBe("epcisException:ValidationException");
    expect(problem.detail).toContain(`line ${line}: `);
    expect(problem.detail).toMatch(reason);
    expect(problem.errors[0]!.path).toBe(`line ${line}`);
    expect(await storedCount()).toBe(0);
  };

  it("malformed XML", async () => {
    const good = read(join(XML, "pairs", "pharma-2.0.xml"));
    await refusedWith(good.replace("</epcList>", "</epcLst>"), 13, /tag mismatch.*epcLst/i);
    await refusedWith("<epcis:EPCISDocument", 1, /.+/);
  });

  it("documents GS1's XSD refuses (openepcis' invalid examples)", async () => {
    const cases: Record<string, [number, RegExp]> = {
      "ObjectEvent_with_invalid_action.xml": [12, /'CREATE' is not an element of the set/],
      "ObjectEvent_with_invalid_eventTime_format.xml": [7, /'22-07-2026' is not a valid value/],
      "ObjectEvent_with_near_miss_action.xml": [13, /'OBSERV'/],
      "ObjectEvent_with_unknown_element.xml": [13, /'madeUpField': This element is not expected/],
      "ObjectEvent_with_wrong_element_order.xml": [7, /'action': This element is not expected/],
      "ObjectEvent_without_eventTime.xml": [7, /Expected is \( eventTime \)/],
      "ObjectEvent_bare_event_without_action.xml": [1, /not an EPCISDocument/],
    };
    for (const [file, [line, reason]] of Object.entries(cases)) {
      await refusedWith(read(join(XML, "openepcis", "invalid", file)), line, reason);
    }
  });

  it("a document whose version is not the one its namespace names, or none", async () => {
    const v2 = read(join(XML, "pairs", "pharma-2.0.xml"));
    await refusedWith(
      v2.replace('schemaVersion="2.0"', 'schemaVersion="1.2"'),
      1,
      /EPCIS 2.0 namespace .* schemaVersion="1.2"/,
    );
    const v12 = read(join(XML, "pairs", "pharma-1.2.xml"));
    await refusedWith(
      v12.replace('schemaVersion="1.2"', 'schemaVersion="2.0"'),
      1,
      /EPCIS 1.2 namespace .* schemaVersion="2.0"/,
    );
    await refusedWith(
      v2.replaceAll("urn:epcglobal:epcis:xsd:2", "urn:epcglobal:epcis:xsd:3"),
      1,
      /neither EPCIS 1.2 .* nor EPCIS 2.0/,
    );
  });

  it("a well-formed 1.2 document with 2.0 fields where 1.2 has none", async () => {
    const v12 = read(join(XML, "pairs", "pharma-1.2.xml"));
    await refusedWith(
      v12.replace(
        "<bizStep>urn:epcglobal:cbv:bizstep:shipping</bizStep>",
        "<bizStep>urn:epcglobal:cbv:bizstep:shipping</bizStep><sensorElementList/>",
      ),
      17,
      /sensorElementList/,
    );
  });
});

describe("XML capture follows the JSON pipeline", () => {
  const withStep = (step: string) =>
    read(join(XML, "pairs", "pharma-2.0.xml")).replace(
      "https://ref.gs1.org/cbv/BizStep-shipping",
      step,
    );

  it("rollback refuses a document with one event outside CBV 2.0; proceed stores the others", async () => {
    const bad = withStep("urn:epcglobal:cbv:bizstep:teleporting");
    const res = await post("/epcis/capture", bad);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { detail: string }).detail).toContain(
      "epcisBody.eventList.0.bizStep",
    );
    expect(await storedCount()).toBe(0);
    const job = await captureXml(bad, { "GS1-Capture-Error-Behaviour": "proceed" });
    expect(job.status).toBe("failure");
    expect(job.capturedCount).toBe(2);
    expect(job.errors.map((e) => e.eventIndex)).toEqual([0]);
  });

  it("takes text/xml too, and refuses other media types with 415", async () => {
    const job = await captureXml(withStep("shipping"), { "Content-Type": "text/xml" });
    expect(job.status).toBe("success");
    const res = await post("/epcis/capture", "<x/>", { "Content-Type": "text/plain" });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { epcisException: string }).epcisException).toBe(
      "epcisException:UnsupportedMediaTypeException",
    );
  });

  it("needs the key of a verified organisation, as JSON capture does", async () => {
    const pending = await makeOrg(t, ["producer"], { status: "pending" });
    const xml = withStep("shipping");
    const unknown = await t.request("POST", "/epcis/capture", {
      body: xml,
      headers: { "Content-Type": "application/xml" },
    });
    expect(unknown.status).toBe(401);
    const res = await t.request("POST", "/epcis/capture", {
      body: xml,
      key: pending.key,
      headers: { "Content-Type": "application/xml" },
    });
    expect(res.status).toBe(403);
    expect(await storedCount()).toBe(0);
  });

  it("captures one XML event synchronously, and refuses a bad one with its own line", async () => {
    const event = `<?xml version="1.0"?>
<ObjectEvent xmlns:zs="https://ns.zhuisu.org/epcis#">
  <eventTime>2026-05-30T10:00:00.000+08:00</eventTime>
  <eventTimeZoneOffset>+08:00</eventTimeZoneOffset>
  <epcList><epc>urn:epc:id:sgtin:0614141.107346.2017</epc></epcList>
  <action>OBSERVE</action>
  <bizStep>urn:epcglobal:cbv:bizstep:shipping</bizStep>
  <zs:waybill>SF1</zs:waybill>
</ObjectEvent>`;
    const res = await post("/epcis/events", event);
    expect(res.status, await res.clone().text()).toBe(201);
    const stored = (await res.json()) as Record<string, unknown>;
    expect(stored).toMatchObject({ type: "ObjectEvent", bizStep: "shipping", "zs:waybill": "SF1" });
    expect((await post("/epcis/events", event)).status).toBe(200);
    const bad = await post("/epcis/events", event.replace("OBSERVE", "LOOK"));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { detail: string }).detail).toMatch(/line 6: .*'LOOK'/);
    const notEvent = await post("/epcis/events", "<Foo/>");
    expect(notEvent.status).toBe(400);
    expect(await storedCount()).toBe(1);
  });
});

describe("where the runtime cannot validate XML (Workers)", () => {
  it("XML capture is a 501 ImplementationException, JSON-LD capture still works", async () => {
    const w = await createTestApp({ withoutXml: true });
    try {
      const o = await makeOrg(w, ["producer"]);
      const res = await w.request("POST", "/epcis/capture", {
        body: read(join(XML, "pairs", "pharma-2.0.xml")),
        key: o.key,
        headers: { "Content-Type": "application/xml" },
      });
      expect(res.status).toBe(501);
      const problem = (await res.json()) as {
        code: string;
        epcisException: string;
        detail: string;
      };
      expect(problem.code).toBe("not_implemented");
      expect(problem.epcisException).toBe("epcisException:ImplementationException");
      expect(problem.detail).toContain("JSON-LD");
    } finally {
      await w.close();
    }
  });
});
