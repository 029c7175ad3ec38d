// EPCIS 2.0 conformance: the standard's examples and openepcis' capture tests, captured and queried back.
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { makeOrg, type OrgWithKey } from "../../../test/factories";
import { eventKeys, events } from "../../db/schema";
import { eventHashId, eventsOfDocument } from "../../ledger/event-hash";
import { capture, expectValidEpcis, FIXTURES, fixtureFiles, query, readJson } from "./test-helpers";

let t: TestApp;
let org: OrgWithKey;
beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t, ["producer"]);
});
afterAll(() => t.close());

const valid = [...fixtureFiles("examples"), ...fixtureFiles("capture-valid")];
const invalid = fixtureFiles("capture-invalid");
const name = (path: string) => path.slice(FIXTURES.length + 1);

async function storedCount(): Promise<number> {
  const [row] = await t.db.select({ n: sql<number>`count(*)` }).from(events);
  return Number(row!.n);
}

type Json = Record<string, unknown>;

/** What the repository adds to a captured event: recordTime, the eventID when none was sent, an @context on a prefix clash. */
function asSent(returned: Json, sent: Json): Json {
  const out: Json = { ...returned };
  // recordTime is the repository's: a recordTime sent with the event is replaced.
  if (sent.recordTime === undefined) delete out.recordTime;
  else out.recordTime = sent.recordTime;
  if (sent.eventID === undefined) delete out.eventID;
  if (sent["@context"] === undefined) delete out["@context"];
  return out;
}

describe("the service's copies of the standard's schemas", () => {
  it("are the standard's files, unchanged", () => {
    for (const file of ["EPCIS-JSON-Schema.json", "query-schema.json"]) {
      // Compared as JSON: the formatter may lay the service's copy out differently.
      expect(JSON.parse(readFileSync(join("src/features/epcis", file), "utf8"))).toEqual(
        JSON.parse(readFileSync(join(FIXTURES, "schema", file), "utf8")),
      );
    }
  });
});

describe("every valid document is captured and queried back as sent", () => {
  for (const path of valid) {
    it(name(path), async () => {
      // One document at a time in an empty ledger: every event is new, so it comes back as it was sent.
      await t.db.execute(sql`truncate ${eventKeys} restart identity cascade`);
      const doc = readJson(path);
      const { context, events: sent } = eventsOfDocument(doc) as {
        context: unknown;
        events: Json[];
      };
      const hashes = await Promise.all(sent.map((e) => eventHashId(e, context)));
      const distinct = new Set(hashes).size;

      const job = await capture(t, org.key, doc);
      expect(job, JSON.stringify(job.errors)).toMatchObject({
        status: "success",
        success: true,
        errors: [],
      });
      expect(job.capturedCount + job.duplicateCount).toBe(sent.length);
      expect(job.capturedCount).toBe(distinct);

      // Stored with the Event Hash ID of the original, computed from what was sent.
      const stored = await t.db
        .select({ eventId: events.eventId, hashId: events.hashId })
        .from(events);
      expect(new Set(stored.map((s) => s.hashId))).toEqual(new Set(hashes));

      // As stored, untranslated: the same events with the same fields, extensions intact.
      const raw = await query(t, org.key, "/epcis/events?perPage=1000", {
        "GS1-EPC-Format": "Never_Translates",
      });
      expectValidEpcis(raw.body);
      expect(raw.events).toHaveLength(distinct);
      const byHash = new Map<string, Json>();
      for (const e of raw.events) byHash.set(await eventHashId(e, raw.body["@context"]), e);
      for (const [i, e] of sent.entries()) {
        const returned = byHash.get(hashes[i]!);
        expect(returned, `event ${i} of ${name(path)} comes back`).toBeDefined();
        if (hashes.indexOf(hashes[i]!) !== i) continue; // the same event twice in the document
        expect(asSent(returned!, e)).toEqual(e);
        // A client recomputes the Event Hash ID of what it got and finds the eventID it was given.
        if (e.eventID === undefined) expect(returned!.eventID).toBe(hashes[i]);
        expect(typeof returned!.recordTime).toBe("string");
      }

      // In the default format (GS1 Digital Links) the events are the same events: the same hashes.
      const dl = await query(t, org.key, "/epcis/events?perPage=1000");
      expectValidEpcis(dl.body);
      const dlHashes = await Promise.all(dl.events.map((e) => eventHashId(e, dl.body["@context"])));
      expect(new Set(dlHashes)).toEqual(new Set(hashes));
    });
  }
});

describe("every invalid document is refused whole", () => {
  const reasons: Record<string, RegExp> = {
    "Combination_of_events_with_missing_mandatory_fields.json": /action|eventTimeZoneOffset/,
    "Combination_of_non_standard_bizStep_and_disposition.json": /bizStep|disposition/,
    "ObjectEvent_with_ilmd_field_without_namespace.json": /ilmd.*materialType/,
    "ObjectEvent_with_invalid_certificationInfo.json": /certificationInfo/,
    "ObjectEvent_with_non_standard_bizStep.json": /bizStep/,
    "ObjectEvent_with_non_standard_disposition.json": /disposition/,
    "ObjectEvent_with_unknown_field_in_quantityList.json": /quantityList\.0\.weight/,
    "ObjectEvent_without_identifier_list.json": /epcList|quantityList/,
  };
  it("knows the reason of every file", () => {
    expect(Object.keys(reasons).sort()).toEqual(invalid.map((p) => basename(p)).sort());
  });
  for (const path of invalid) {
    it(name(path), async () => {
      const before = await storedCount();
      const res = await t.request("POST", "/epcis/capture", { json: readJson(path), key: org.key });
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toMatch(/problem\+json/);
      const problem = (await res.json()) as {
        epcisException: string;
        detail: string;
        errors: { path: string }[];
      };
      expect(problem.epcisException).toBe("epcisException:ValidationException");
      expect(problem.errors.length).toBeGreaterThan(0);
      const paths = problem.errors.map((e) => e.path).join(" ");
      expect(`${paths} ${problem.detail}`).toMatch(reasons[basename(path)]!);
      expect(await storedCount()).toBe(before);
    });
  }
});

describe("all valid documents in one ledger", () => {
  it("stores each distinct event once, however many documents repeat it", async () => {
    await t.db.execute(sql`truncate ${eventKeys} restart identity cascade`);
    const all = new Set<string>();
    const declared = new Set<string>();
    for (const path of valid) {
      const doc = readJson(path);
      const { context, events: sent } = eventsOfDocument(doc) as {
        context: unknown;
        events: Json[];
      };
      const hashes = await Promise.all(sent.map((e) => eventHashId(e, context)));
      const job = await capture(t, org.key, doc);
      expect(job.status, JSON.stringify(job.errors)).toBe("success");
      sent.forEach((e, i) => {
        // An error declaration of an event an earlier document stored is one more event.
        if (e.errorDeclaration && all.has(hashes[i]!)) declared.add(hashes[i]!);
        all.add(hashes[i]!);
      });
    }
    expect(declared.size).toBeGreaterThan(0);
    expect(await storedCount()).toBe(all.size + declared.size);
    const { body, events: got } = await query(t, org.key, "/epcis/events?perPage=1000");
    expectValidEpcis(body);
    const hashes = await Promise.all(got.map((e) => eventHashId(e, body["@context"])));
    expect(new Set(hashes)).toEqual(all);
    // One answer per event; a declared event comes back in its declared form.
    expect(got).toHaveLength(all.size);
    const declaredBack = got.filter((_, i) => declared.has(hashes[i]!));
    expect(declaredBack).toHaveLength(declared.size);
    for (const e of declaredBack) expect(e.errorDeclaration).toBeDefined();
    // Every stored row's hash is the hash of its stored document.
    const rows = await t.db.select().from(events).where(eq(events.kind, "epcis"));
    for (const row of rows) expect(await eventHashId(row.document, row.context)).toBe(row.hashId);
  });
});
