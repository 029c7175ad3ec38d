// EPCIS capture: jobs, error behaviours, limits, duplicates, single events, and the bad input the standard refuses.
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { makeOrg, type OrgWithKey } from "../../../test/factories";
import { events } from "../../db/schema";
import { eventHashId } from "../../ledger/event-hash";
import { CAPTURE_LIMIT } from "./capture";
import { capture, documentOf, objectEvent, query, waitForJob } from "./test-helpers";

let t: TestApp;
let producer: OrgWithKey;
let pending: OrgWithKey;
beforeAll(async () => {
  t = await createTestApp();
  producer = await makeOrg(t, ["producer"]);
  pending = await makeOrg(t, ["seller"], { status: "pending" });
});
afterAll(() => t.close());

let serial = 0;
/** A fresh SGTIN (URN form) nobody has captured yet. */
const sgtin = () => `urn:epc:id:sgtin:0614141.107346.T${++serial}`;

async function count(): Promise<number> {
  const [row] = await t.db.select({ n: sql<number>`count(*)` }).from(events);
  return Number(row!.n);
}

async function problem(res: Response, status: number) {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/application\/problem\+json/);
  return JSON.parse(text) as {
    code: string;
    epcisException?: string;
    detail: string;
    errors?: { path: string; message: string }[];
  };
}

describe("POST /epcis/capture", () => {
  it("answers 202 with the job's Location, runs the job, and stores the events with their Event Hash ID", async () => {
    const event = objectEvent([sgtin()]);
    const res = await t.request("POST", "/epcis/capture", {
      json: documentOf([event]),
      key: producer.key,
    });
    expect(res.status).toBe(202);
    expect(res.headers.get("Location")).toMatch(/^\/epcis\/capture\/cap[a-z0-9]+$/);
    expect(res.headers.get("GS1-EPCIS-Capture-Limit")).toBe(String(CAPTURE_LIMIT));
    expect(res.headers.get("GS1-EPCIS-Version")).toBe("2.0.0");
    expect(res.headers.get("GS1-CBV-Version")).toBe("2.0.0");
    const job = await waitForJob(t, res.headers.get("Location")!, producer.key);
    expect(job).toMatchObject({
      running: false,
      success: true,
      status: "success",
      captureErrorBehaviour: "rollback",
      capturedCount: 1,
      duplicateCount: 0,
      errors: [],
    });

    // No eventID was sent: the Event Hash ID is the eventID, and any client can recompute it.
    const hash = await eventHashId(event, documentOf([])["@context"]);
    const [row] = await t.db.select().from(events).where(eq(events.hashId, hash));
    expect(row).toMatchObject({ eventId: hash, kind: "epcis", actorOrgId: producer.org.id });
    const got = await query(t, producer.key, `/epcis/events/${encodeURIComponent(hash)}`);
    expect(got.events).toHaveLength(1);
    expect(got.events[0]!.eventID).toBe(hash);
    expect(await eventHashId(got.events[0], got.body["@context"])).toBe(hash);
  });

  it("stores an event captured twice once: the second job reports a duplicate", async () => {
    const doc = documentOf([objectEvent([sgtin()]), objectEvent([sgtin()])]);
    const before = await count();
    expect(await capture(t, producer.key, doc)).toMatchObject({
      capturedCount: 2,
      duplicateCount: 0,
    });
    expect(await capture(t, producer.key, doc)).toMatchObject({
      status: "success",
      capturedCount: 0,
      duplicateCount: 2,
    });
    expect(await count()).toBe(before + 2);
  });

  it("rollback (the default) refuses a document with one bad event whole, naming the event and field", async () => {
    const before = await count();
    const doc = documentOf([
      objectEvent([sgtin()]),
      objectEvent([sgtin()], { bizStep: "not a uri" }),
    ]);
    const body = await problem(
      await t.request("POST", "/epcis/capture", { json: doc, key: producer.key }),
      400,
    );
    expect(body.epcisException).toBe("epcisException:ValidationException");
    expect(body.errors?.[0]?.path).toBe("epcisBody.eventList.1.bizStep");
    expect(body.detail).toMatch(
      /refused whole, nothing was stored.*neither a CBV 2.0 business step nor an absolute URI/,
    );
    expect(await count()).toBe(before);
  });

  it("proceed captures the good events and lists the bad ones on a failed job", async () => {
    const good = [objectEvent([sgtin()]), objectEvent([sgtin()])];
    const doc = documentOf([
      good[0],
      objectEvent([sgtin()], { disposition: "cbv:Disp-teleported" }),
      good[1],
    ]);
    const job = await capture(t, producer.key, doc, { "GS1-Capture-Error-Behaviour": "proceed" });
    expect(job).toMatchObject({
      running: false,
      success: false,
      status: "failure",
      captureErrorBehaviour: "proceed",
      capturedCount: 2,
    });
    expect(job.errors).toHaveLength(1);
    expect(job.errors[0]).toMatchObject({
      type: "epcisException:ValidationException",
      eventIndex: 1,
    });
    expect(job.errors[0]!.detail).toMatch(/teleported.*CBV 2.0 does not define/);
  });

  it("rollback stores nothing when an eventID already names another event (a failed job)", async () => {
    const id = `urn:uuid:${crypto.randomUUID()}`;
    await capture(t, producer.key, documentOf([objectEvent([sgtin()], { eventID: id })]));
    const before = await count();
    const job = await capture(
      t,
      producer.key,
      documentOf([objectEvent([sgtin()]), objectEvent([sgtin()], { eventID: id })]),
    );
    expect(job).toMatchObject({ status: "failure", capturedCount: 0 });
    expect(job.errors[0]).toMatchObject({
      type: "epcisException:ResourceAlreadyExistsException",
      eventIndex: 1,
    });
    expect(await count()).toBe(before);
  });

  it("records an error declaration of a stored event as a new event, answered in its declared form", async () => {
    const original = objectEvent([sgtin()]);
    await capture(t, producer.key, documentOf([original]));
    const before = await count();
    const declaration = {
      ...original,
      errorDeclaration: {
        declarationTime: "2026-06-01T09:00:00.000+08:00",
        reason: "incorrect_data",
      },
    };
    const job = await capture(t, producer.key, documentOf([objectEvent([sgtin()]), declaration]));
    expect(job).toMatchObject({ status: "success" });
    // The original stays as it was; the declaration is one more event with the same eventID and hash.
    expect(await count()).toBe(before + 2);
    const again = await t.request("POST", "/epcis/events", {
      key: producer.key,
      json: { "@context": documentOf([])["@context"], ...declaration },
    });
    expect(again.status).toBe(200);
    expect(await count()).toBe(before + 2);
  });

  it("accepts any GS1 key in URN or Digital Link form, known to the service or not", async () => {
    const doc = documentOf([
      objectEvent([
        "urn:epc:id:sscc:0614141.1234567890",
        "https://id.gs1.org/8004/0614141ABC123",
        "urn:epc:id:grai:0614141.12345.400",
        "https://example.com/01/09506000134352/21/abc",
        "urn:epc:id:gid:95100000.12345.400",
      ]),
    ]);
    expect(await capture(t, producer.key, doc)).toMatchObject({
      status: "success",
      capturedCount: 1,
    });
  });

  it("refuses a GS1 key with a bad check digit", async () => {
    const doc = documentOf([objectEvent(["https://id.gs1.org/01/09506000134353/21/abc"])]);
    const body = await problem(
      await t.request("POST", "/epcis/capture", { json: doc, key: producer.key }),
      400,
    );
    expect(body.errors?.[0]).toMatchObject({ path: "epcisBody.eventList.0.epcList.0" });
    expect(body.errors?.[0]?.message).toMatch(/not a valid GS1 key/);
  });
});

describe("bad input, refused as the standard says, nothing stored", () => {
  it("a document without @context: 400 ValidationException", async () => {
    const before = await count();
    const { "@context": _, ...doc } = documentOf([objectEvent([sgtin()])]);
    const body = await problem(
      await t.request("POST", "/epcis/capture", { json: doc, key: producer.key }),
      400,
    );
    expect(body.epcisException).toBe("epcisException:ValidationException");
    expect(body.detail).toMatch(/@context/);
    expect(await count()).toBe(before);
  });

  it("a 50 MB document: 413", async () => {
    const before = await count();
    const pad = "x".repeat(50 * 1024 * 1024);
    const body = JSON.stringify({ ...documentOf([objectEvent([sgtin()])]), "zs:pad": pad });
    const res = await t.request("POST", "/epcis/capture", {
      body,
      key: producer.key,
      headers: { "Content-Type": "application/ld+json" },
    });
    const p = await problem(res, 413);
    expect(p.detail).toMatch(/limit/);
    expect(await count()).toBe(before);
  });

  it("more events than GS1-EPCIS-Capture-Limit: 413 CaptureLimitExceededException", async () => {
    const event = objectEvent(["urn:epc:id:sgtin:0614141.107346.1"]);
    const doc = documentOf(Array.from({ length: CAPTURE_LIMIT + 1 }, () => event));
    const res = await t.request("POST", "/epcis/capture", { json: doc, key: producer.key });
    const body = await problem(res, 413);
    expect(body.epcisException).toBe("epcisException:CaptureLimitExceededException");
    expect(res.headers.get("GS1-EPCIS-Capture-Limit")).toBe(String(CAPTURE_LIMIT));
  });

  it("an eventTime in the wrong format: 400 naming the field", async () => {
    const before = await count();
    const doc = documentOf([objectEvent([sgtin()], { eventTime: "2026/05/30 10:00" })]);
    const body = await problem(
      await t.request("POST", "/epcis/capture", { json: doc, key: producer.key }),
      400,
    );
    expect(body.errors?.[0]).toMatchObject({ path: "epcisBody.eventList.0.eventTime" });
    expect(body.errors?.[0]?.message).toMatch(/date-time/);
    expect(await count()).toBe(before);
  });

  it("an unknown bizStep that is not a valid URI: 400", async () => {
    const doc = documentOf([objectEvent([sgtin()], { bizStep: "transforming" })]);
    const body = await problem(
      await t.request("POST", "/epcis/capture", { json: doc, key: producer.key }),
      400,
    );
    expect(body.errors?.[0]).toMatchObject({ path: "epcisBody.eventList.0.bizStep" });
  });

  it("a CBV URI naming a term CBV does not define: 400", async () => {
    const doc = documentOf([
      objectEvent([sgtin()], { bizStep: "https://ref.gs1.org/cbv/BizStep-teleporting" }),
    ]);
    const body = await problem(
      await t.request("POST", "/epcis/capture", { json: doc, key: producer.key }),
      400,
    );
    expect(body.errors?.[0]?.message).toMatch(/teleporting.*CBV 2.0 does not define/);
  });

  it("not JSON: 400; neither a JSON nor an XML media type: 415; not a document: 400", async () => {
    const bad = await t.request("POST", "/epcis/capture", {
      body: "{",
      key: producer.key,
      headers: { "Content-Type": "application/json" },
    });
    expect((await problem(bad, 400)).epcisException).toBe("epcisException:ValidationException");
    const text = await t.request("POST", "/epcis/capture", {
      body: "ObjectEvent",
      key: producer.key,
      headers: { "Content-Type": "text/plain" },
    });
    expect((await problem(text, 415)).epcisException).toBe(
      "epcisException:UnsupportedMediaTypeException",
    );
    // XML is taken, and an XML root that is no EPCIS document is refused with its line.
    const xml = await t.request("POST", "/epcis/capture", {
      body: "<x/>",
      key: producer.key,
      headers: { "Content-Type": "application/xml" },
    });
    expect((await problem(xml, 400)).detail).toContain("line 1: the root element x is not");
    const notDoc = await t.request("POST", "/epcis/capture", {
      json: objectEvent([sgtin()]),
      key: producer.key,
    });
    await problem(notDoc, 400);
  });

  it("an unknown GS1-Capture-Error-Behaviour, or an EPCIS version it does not speak", async () => {
    const doc = documentOf([objectEvent([sgtin()])]);
    await problem(
      await t.request("POST", "/epcis/capture", {
        json: doc,
        key: producer.key,
        headers: { "GS1-Capture-Error-Behaviour": "sometimes" },
      }),
      400,
    );
    const old = await t.request("POST", "/epcis/capture", {
      json: doc,
      key: producer.key,
      headers: { "GS1-EPCIS-Version": "1.2" },
    });
    expect((await problem(old, 406)).epcisException).toBe("epcisException:NotAcceptableException");
  });
});

describe("who may capture", () => {
  it("needs a key (401) of a verified organisation (403)", async () => {
    const doc = documentOf([objectEvent([sgtin()])]);
    await problem(await t.request("POST", "/epcis/capture", { json: doc }), 401);
    await problem(await t.request("POST", "/epcis/capture", { json: doc, key: pending.key }), 403);
    await problem(await t.request("POST", "/epcis/events", { json: doc, key: pending.key }), 403);
  });

  it("shows a capture job to its organisation only", async () => {
    const res = await t.request("POST", "/epcis/capture", {
      json: documentOf([objectEvent([sgtin()])]),
      key: producer.key,
    });
    const location = res.headers.get("Location")!;
    await waitForJob(t, location, producer.key);
    await problem(await t.request("GET", location, { key: pending.key }), 404);
    const list = await t.request("GET", "/epcis/capture?perPage=2", { key: producer.key });
    expect(list.status).toBe(200);
    expect(((await list.json()) as unknown[]).length).toBe(2);
    expect(list.headers.get("Link")).toMatch(/rel="next"/);
  });
});

describe("POST /epcis/events (one event, synchronous)", () => {
  const withContext = (e: Record<string, unknown>) => ({
    "@context": [
      "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
      { zsx: "https://example.cn/ns#" },
    ],
    ...e,
    "zsx:note": "a user extension",
  });

  it("201 with the stored event and its Location; the same event again is 200 with the stored one", async () => {
    const event = withContext(objectEvent([sgtin()]));
    const res = await t.request("POST", "/epcis/events", { json: event, key: producer.key });
    expect(res.status, await res.clone().text()).toBe(201);
    const stored = (await res.json()) as Record<string, unknown>;
    const hash = await eventHashId(event, event["@context"]);
    expect(stored.eventID).toBe(hash);
    expect(stored["zsx:note"]).toBe("a user extension");
    expect(res.headers.get("Location")).toBe(`/epcis/events/${encodeURIComponent(hash)}`);
    const again = await t.request("POST", "/epcis/events", { json: event, key: producer.key });
    expect(again.status).toBe(200);
    expect(((await again.json()) as Record<string, unknown>).eventID).toBe(hash);
    const got = await query(t, producer.key, res.headers.get("Location")!, {
      "GS1-EPC-Format": "Never_Translates",
    });
    const { recordTime: _, eventID: __, ...returned } = got.events[0]!;
    expect(returned).toEqual(event);
  });

  it("409 when its eventID names another event; 400 for an invalid event; nothing stored", async () => {
    const id = `urn:uuid:${crypto.randomUUID()}`;
    expect(
      (
        await t.request("POST", "/epcis/events", {
          json: withContext(objectEvent([sgtin()], { eventID: id })),
          key: producer.key,
        })
      ).status,
    ).toBe(201);
    const before = await count();
    const clash = await t.request("POST", "/epcis/events", {
      json: withContext(objectEvent([sgtin()], { eventID: id })),
      key: producer.key,
    });
    expect((await problem(clash, 409)).epcisException).toBe(
      "epcisException:ResourceAlreadyExistsException",
    );
    const invalid = await t.request("POST", "/epcis/events", {
      json: withContext(objectEvent([sgtin()], { action: "MOVE" })),
      key: producer.key,
    });
    expect((await problem(invalid, 400)).errors?.[0]?.path).toBe("action");
    expect(await count()).toBe(before);
  });
});

describe("discovery", () => {
  it("OPTIONS /epcis/capture advertises the limits and versions, without a key", async () => {
    const res = await t.request("OPTIONS", "/epcis/capture");
    expect(res.status).toBe(204);
    expect(res.headers.get("GS1-EPCIS-Capture-Limit")).toBe(String(CAPTURE_LIMIT));
    expect(res.headers.get("GS1-EPCIS-Capture-File-Size-Limit")).toBe(
      String(t.config.UPLOAD_LIMIT_BYTES),
    );
    expect(res.headers.get("GS1-Capture-Error-Behaviour")).toBe("all");
    expect(res.headers.get("Allow")).toBe("OPTIONS, GET, POST");
    expect(res.headers.get("GS1-EPCIS-Version")).toBe("2.0.0");
    for (const path of ["/epcis", "/epcis/events", "/epcis/bizSteps", "/epcis/queries"]) {
      expect((await t.request("OPTIONS", path)).status).toBe(204);
    }
  });

  it("GET /epcis lists the top-level resources", async () => {
    const res = await t.request("GET", "/epcis", { key: producer.key });
    expect(((await res.json()) as { member: string[] }).member).toContain("capture");
  });
});
