// Test helpers of the EPCIS interface: capture and wait for the job, query, the standard's JSON Schema.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { expect } from "vitest";
import type { TestApp } from "../../../test/app";

export const FIXTURES = "test/fixtures/epcis";

export function fixtureFiles(folder: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir)
      .sort()
      .flatMap((f) => {
        const path = join(dir, f);
        return statSync(path).isDirectory() ? walk(path) : [path];
      });
  return walk(join(FIXTURES, folder));
}

export const readJson = (path: string): Record<string, unknown> =>
  JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;

let schemaValidator: ReturnType<Ajv["compile"]> | undefined;
/** The standard's EPCIS JSON Schema, from the fixtures (not the service's own copy). */
export function epcisSchema() {
  if (!schemaValidator) {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    schemaValidator = ajv.compile(readJson(join(FIXTURES, "schema/EPCIS-JSON-Schema.json")));
  }
  return schemaValidator;
}

export function expectValidEpcis(doc: unknown): void {
  const validate = epcisSchema();
  const ok = validate(doc);
  expect(ok, JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
}

export interface CaptureJobBody {
  captureID: string;
  running: boolean;
  success: boolean;
  status: string;
  eventCount: number;
  capturedCount: number;
  duplicateCount: number;
  errors: { type: string; detail: string; eventIndex?: number; errors?: { path: string }[] }[];
}

/** Polls a capture job until it has finished. */
export async function waitForJob(
  t: TestApp,
  location: string,
  key: string,
): Promise<CaptureJobBody> {
  for (let i = 0; i < 600; i++) {
    const res = await t.request("GET", location, { key });
    expect(res.status).toBe(200);
    const job = (await res.json()) as CaptureJobBody;
    if (!job.running) return job;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`capture job ${location} did not finish`);
}

/** Captures a document and waits for its job; fails the test unless the capture was accepted (202). */
export async function capture(
  t: TestApp,
  key: string,
  doc: unknown,
  headers: Record<string, string> = {},
): Promise<CaptureJobBody> {
  const res = await t.request("POST", "/epcis/capture", { json: doc, key, headers });
  expect(res.status, await res.clone().text()).toBe(202);
  return waitForJob(t, res.headers.get("Location")!, key);
}

export interface QueryBody {
  "@context": unknown[];
  type: string;
  epcisBody: {
    queryResults: { queryName: string; resultsBody: { eventList: Record<string, unknown>[] } };
  };
}

export async function query(
  t: TestApp,
  key: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ res: Response; body: QueryBody; events: Record<string, unknown>[] }> {
  const res = await t.request("GET", path, { key, headers });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  const body = JSON.parse(text) as QueryBody;
  return { res, body, events: body.epcisBody.queryResults.resultsBody.eventList };
}

/** An EPCISDocument around events, under the standard context and `extra` prefixes. */
export function documentOf(
  eventList: unknown[],
  extra: Record<string, string> = {},
): Record<string, unknown> {
  return {
    "@context": [
      "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
      ...(Object.keys(extra).length ? [extra] : []),
    ],
    type: "EPCISDocument",
    schemaVersion: "2.0",
    creationDate: "2026-06-01T08:00:00.000+08:00",
    epcisBody: { eventList },
  };
}

/** A valid ObjectEvent on the given EPCs. */
export function objectEvent(
  epcs: string[],
  fields: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    type: "ObjectEvent",
    eventTime: "2026-05-30T10:00:00.000+08:00",
    eventTimeZoneOffset: "+08:00",
    epcList: epcs,
    action: "OBSERVE",
    bizStep: "shipping",
    disposition: "in_transit",
    ...fields,
  };
}
