// `npx tsx scripts/bench-epcis.ts`: EPCIS capture of one 10,000-ObjectEvent document (events/s, and as a
// multiple of plain multi-row INSERTs of the same rows in the same run) and queries answering 1,000 events
// (ms), through the HTTP app, on embedded PGlite — and on PostgreSQL too when DATABASE_URL is set (in a
// scratch database created and dropped on that server). Target for the query: under 100 ms.
import { eq, sql } from "drizzle-orm";
import { createApp } from "../src/app";
import { loadConfig } from "../src/config";
import {
  eventKeys,
  eventSubjects as eventSubjectsTable,
  events,
  type Org,
  orgs,
} from "../src/db/schema";
import type { DatabaseHandle } from "../src/db/types";
import { captureJobsSettled } from "../src/features/epcis/routes";
import { eventSubjects } from "../src/features/epcis/subjects";
import { libxml2Validator } from "../src/features/epcis/xml/libxml2-validator";
import { registerOrg } from "../src/features/orgs/service";
import { eventHashId } from "../src/ledger/event-hash";
import { systemClock } from "../src/lib/clock";
import { silentLogger } from "../src/lib/logger";
import { loadServiceSecrets } from "../src/lib/secrets";
import { makeUscc } from "../test/factories";
import { onEachDatabase } from "./bench-db";

const BASE = "https://bench.zhuisu.test";
const EVENTS = 10_000;
const QUERY_RUNS = 30;
const QUERY_TARGET_MS = 100;
const CONTEXT = [
  "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
  { zsb: "https://bench.zhuisu.test/ns#" },
];

const env = loadConfig(process.env);
const config = loadConfig({
  LOG_LEVEL: "silent",
  PUBLIC_BASE_URL: BASE,
  SEED_DEMO: "false",
  HASH_SECRET: "bench-hash-secret-0123456789abcdef0123456789",
});

/** 10,000 ObjectEvents, each on its own serialised item of one GTIN, a second apart. */
function document(run: string) {
  const start = Date.parse("2026-05-01T00:00:00.000Z");
  const eventList = Array.from({ length: EVENTS }, (_, i) => ({
    type: "ObjectEvent",
    eventTime: new Date(start + i * 1000).toISOString(),
    eventTimeZoneOffset: "+08:00",
    epcList: [`https://id.gs1.org/01/06901234567892/21/${run}${i}`],
    action: "OBSERVE",
    bizStep: "shipping",
    disposition: "in_transit",
    readPoint: { id: "https://id.gs1.org/414/6901234000016" },
    bizTransactionList: [
      { type: "po", bizTransaction: `urn:epcglobal:cbv:bt:6901234000016:${run}${i}` },
    ],
    "zsb:batch": run,
  }));
  return {
    "@context": CONTEXT,
    type: "EPCISDocument",
    schemaVersion: "2.0",
    creationDate: new Date(start).toISOString(),
    epcisBody: { eventList },
  };
}

/** The same 10,000 events as EPCIS 2.0 XML (CBV 1.x URNs and EPC URNs, as XML senders write them). */
function xmlDocument(run: string): string {
  const start = Date.parse("2026-05-01T00:00:00.000Z");
  const events = Array.from(
    { length: EVENTS },
    (_, i) =>
      `<ObjectEvent><eventTime>${new Date(start + i * 1000).toISOString()}</eventTime><eventTimeZoneOffset>+08:00</eventTimeZoneOffset><epcList><epc>urn:epc:id:sgtin:6901234.056789.${run}${i}</epc></epcList><action>OBSERVE</action><bizStep>urn:epcglobal:cbv:bizstep:shipping</bizStep><disposition>urn:epcglobal:cbv:disp:in_transit</disposition><readPoint><id>urn:epc:id:sgln:6901234.00001.0</id></readPoint><bizTransactionList><bizTransaction type="urn:epcglobal:cbv:btt:po">urn:epcglobal:cbv:bt:6901234000016:${run}${i}</bizTransaction></bizTransactionList><zsb:batch>${run}</zsb:batch></ObjectEvent>`,
  ).join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>\n<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" xmlns:zsb="https://bench.zhuisu.test/ns#" schemaVersion="2.0" creationDate="${new Date(start).toISOString()}"><EPCISBody><EventList>\n${events}\n</EventList></EPCISBody></epcis:EPCISDocument>`;
}

const ms = (from: number) => performance.now() - from;
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function bench(handle: DatabaseHandle) {
  const app = createApp({
    db: handle.db,
    dbKind: handle.kind,
    ping: handle.ping,
    config,
    clock: systemClock,
    logger: silentLogger,
    secrets: await loadServiceSecrets(handle.db, config),
    xmlValidator: libxml2Validator,
  });
  const { org, key } = await registerOrg(
    handle.db,
    { clock: systemClock, hashSecret: config.HASH_SECRET! },
    {
      kind: "enterprise",
      nameZh: "基准测试企业",
      uscc: makeUscc(),
      roles: ["producer"],
      regionCode: "331003",
      licences: [],
    },
    { roles: ["regulator"] } as unknown as Org,
  );
  await handle.db.update(orgs).set({ status: "verified" }).where(eq(orgs.id, org.id));
  const request = (
    method: string,
    path: string,
    body?: string,
    headers: Record<string, string> = {},
  ) =>
    app.request(`${BASE}${path}`, {
      method,
      body,
      headers: {
        Authorization: `Bearer ${key.key}`,
        ...(body ? { "Content-Type": "application/json" } : {}),
        ...headers,
      },
    });

  // Warm up: the JSON Schema compiles on first use; a small capture also warms the database.
  const warm = document("W");
  warm.epcisBody.eventList = warm.epcisBody.eventList.slice(0, 50);
  await request("POST", "/epcis/capture", JSON.stringify(warm));
  await captureJobsSettled();

  // 1. Capture through the interface: POST, validation, 202, the job to its end.
  const body = JSON.stringify(document("C"));
  const t0 = performance.now();
  const res = await request("POST", "/epcis/capture", body);
  const accepted = ms(t0);
  if (res.status !== 202) throw new Error(`capture: ${res.status} ${await res.text()}`);
  await captureJobsSettled();
  const captureMs = ms(t0);
  const job = (await (await request("GET", res.headers.get("Location")!)).json()) as {
    status: string;
    capturedCount: number;
  };
  if (job.status !== "success" || job.capturedCount !== EVENTS)
    throw new Error(`capture job: ${JSON.stringify(job)}`);

  // 1b. The same through EPCIS XML: XSD validation and the mapping to JSON-LD come first.
  await request(
    "POST",
    "/epcis/capture",
    xmlDocument("WX").split("\n").slice(0, 52).join("\n") +
      "\n</EventList></EPCISBody></epcis:EPCISDocument>",
    {
      "Content-Type": "application/xml",
    },
  );
  await captureJobsSettled();
  const xml = xmlDocument("X");
  const x0 = performance.now();
  const xres = await request("POST", "/epcis/capture", xml, { "Content-Type": "application/xml" });
  const xmlAccepted = ms(x0);
  if (xres.status !== 202) throw new Error(`XML capture: ${xres.status} ${await xres.text()}`);
  await captureJobsSettled();
  const xmlCaptureMs = ms(x0);
  const xjob = (await (await request("GET", xres.headers.get("Location")!)).json()) as {
    status: string;
    capturedCount: number;
  };
  if (xjob.status !== "success" || xjob.capturedCount !== EVENTS)
    throw new Error(`XML capture job: ${JSON.stringify(xjob)}`);

  // 2. The same rows (events and their subjects) as plain multi-row INSERTs, 1,000 a statement, one transaction.
  const plain = document("P");
  const rows = await Promise.all(
    plain.epcisBody.eventList.map(async (e) => {
      const hashId = await eventHashId(e, CONTEXT);
      return {
        row: {
          eventId: hashId,
          hashId,
          kind: "epcis",
          eventType: e.type,
          action: e.action,
          bizStep: e.bizStep,
          disposition: e.disposition,
          eventTime: new Date(e.eventTime),
          recordTime: systemClock.now(),
          readPoint: e.readPoint.id,
          bizLocation: null,
          actorOrgId: org.id,
          document: { ...e, eventID: hashId, recordTime: systemClock.now().toISOString() },
          context: CONTEXT,
          meta: {},
        },
        subjects: eventSubjects(e),
      };
    }),
  );
  const t1 = performance.now();
  await handle.db.transaction(async (tx) => {
    for (let i = 0; i < rows.length; i += 1000) {
      const chunk = rows.slice(i, i + 1000);
      const ids = await tx
        .insert(eventKeys)
        .values(chunk.map((r) => ({ eventId: r.row.eventId, hashId: r.row.hashId })))
        .returning({ id: eventKeys.id });
      await tx.insert(events).values(chunk.map((r, j) => ({ ...r.row, id: ids[j]!.id })));
      await tx.insert(eventSubjectsTable).values(
        chunk.flatMap((r, j) =>
          r.subjects.map((s) => ({
            eventId: ids[j]!.id,
            recordTime: r.row.recordTime,
            subjectKey: s.key,
            level: s.level,
            role: s.role ?? "epc",
          })),
        ),
      );
    }
  });
  const insertMs = ms(t1);

  // Fresh statistics, as autovacuum keeps them on a live database after a bulk load.
  await handle.db.execute(sql`analyze`);

  // 3. Queries answering 1,000 events (EPCISQueryDocument, default Digital Link format, over HTTP).
  const queries: [string, string][] = [
    [
      "1,000 events by bizStep + eventTime window, ordered",
      "/epcis/events?perPage=1000&EQ_bizStep=shipping&GE_eventTime=2026-05-01T00:00:00.000Z&LT_eventTime=2026-05-01T02:46:40.000Z&orderBy=eventTime&orderDirection=ASC",
    ],
    [
      "1,000 events by EPC pattern (page 1 of 20)",
      "/epcis/events?perPage=1000&MATCH_epc=urn:epc:idpat:sgtin:6901234.056789.*",
    ],
    ["1,000 events, no filter", "/epcis/events?perPage=1000"],
    ["1,000 events, no filter, as XML", "/epcis/events?perPage=1000"],
  ];
  const results: Record<string, unknown> = {
    events: EVENTS,
    captureMs: Math.round(captureMs),
    acceptedMs: Math.round(accepted),
    eventsPerSecond: Math.round(EVENTS / (captureMs / 1000)),
    plainInsertMs: Math.round(insertMs),
    plainInsertEventsPerSecond: Math.round(EVENTS / (insertMs / 1000)),
    ratio: Number((captureMs / insertMs).toFixed(1)),
    xmlCaptureMs: Math.round(xmlCaptureMs),
    xmlAcceptedMs: Math.round(xmlAccepted),
    xmlEventsPerSecond: Math.round(EVENTS / (xmlCaptureMs / 1000)),
    xmlRatioToJson: Number((xmlCaptureMs / captureMs).toFixed(2)),
  };
  console.log(
    `  capture of ${EVENTS} ObjectEvents: ${results.captureMs} ms (202 after ${results.acceptedMs} ms) = ${results.eventsPerSecond} events/s`,
  );
  console.log(
    `  plain multi-row INSERTs of the same rows: ${results.plainInsertMs} ms = ${results.plainInsertEventsPerSecond} events/s; capture takes ${results.ratio}× as long`,
  );
  console.log(
    `  the same as EPCIS XML (${(xml.length / 1e6).toFixed(1)} MB): ${results.xmlCaptureMs} ms (202 after ${results.xmlAcceptedMs} ms: XSD validation and mapping) = ${results.xmlEventsPerSecond} events/s; ${results.xmlRatioToJson}× the JSON-LD capture`,
  );
  for (const [label, path] of queries) {
    const times: number[] = [];
    let count = 0;
    for (let i = 0; i < QUERY_RUNS + 3; i++) {
      const t = performance.now();
      const asXml = label.endsWith("as XML");
      const r = await request("GET", path, undefined, asXml ? { Accept: "application/xml" } : {});
      const text = await r.text();
      const elapsed = ms(t);
      if (r.status !== 200) throw new Error(`${label}: ${r.status} ${text.slice(0, 300)}`);
      if (i >= 3) times.push(elapsed);
      count = asXml
        ? (text.match(/<ObjectEvent>/g) ?? []).length
        : (
            JSON.parse(text) as {
              epcisBody: { queryResults: { resultsBody: { eventList: unknown[] } } };
            }
          ).epcisBody.queryResults.resultsBody.eventList.length;
    }
    times.sort((a, b) => a - b);
    const p50 = percentile(times, 50);
    const p95 = percentile(times, 95);
    results[label] = { count, p50: Math.round(p50), p95: Math.round(p95) };
    console.log(
      `  ${label}: ${count} events, p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms ${p95 < QUERY_TARGET_MS ? "✓" : `✗ (target ${QUERY_TARGET_MS} ms)`}`,
    );
  }
  return results;
}

await onEachDatabase(bench, env.DATABASE_URL, "zs_bench_epcis");
