// EPCIS 2.0 REST binding under /epcis: capture (asynchronous documents, synchronous events), capture jobs, discovery.
import { z } from "@hono/zod-openapi";
import { and, desc, eq, getTableColumns, lt } from "drizzle-orm";
import type { Context } from "hono";
import { epcisCaptureJobs } from "../../db/schema";
import { requireWriter } from "../../lib/auth";
import type { AppEnv } from "../../lib/context";
import { AppError } from "../../lib/errors";
import {
  authErrorResponses,
  createRouter,
  errorResponses,
  notFoundResponse,
  problemResponseSpec,
} from "../../lib/router";
import {
  CAPTURE_LIMIT,
  type CaptureDeps,
  captureDepsOf,
  captureSingleEvent,
  EPCIS_EXCEPTION,
  prepareDocument,
  rejectDocument,
} from "./capture";
import { captureJobView, createCaptureJob, runCaptureJob } from "./capture-job";
import { whileHoldingJob } from "./capture-recovery";
import { formatEvent } from "./format";
import { collection, discoveryHeaders, epcFormatOf, epcisHeaders, requireReader } from "./http";
import { masterDataOf, masterDataRefused, storeMasterData } from "./master-data";
import { registerQueryRoutes } from "./query-routes";
import { CaptureJob, EpcisDocument, EpcisEvent } from "./schemas";
import { deliveryDeps, registerSubscriptionRoutes } from "./subscription-routes";
import { ensureDispatcher, kickDeliveries } from "./subscriptions";
import { registerVocabularyRoutes } from "./vocabulary-routes";
import { readXmlDocument, readXmlEvent } from "./xml/read";

const tags = ["EPCIS 2.0"];

export function captureDeps(c: Context<AppEnv>): CaptureDeps {
  return captureDepsOf(c.var.deps);
}

/** Keeps work going after the response: waitUntil in Workers, a detached promise in Node. */
function background(c: Context<AppEnv>, task: Promise<unknown>): void {
  try {
    c.executionCtx.waitUntil(task);
  } catch {
    // Node has no execution context: the promise runs on by itself.
  }
}

/** Capture jobs still running in this process (tests and graceful shutdown can wait for them). */
const inFlight = new Set<Promise<void>>();
export const captureJobsSettled = () => Promise.all([...inFlight]);

const epcisProblem = (description: string, type: string) =>
  ({ ...problemResponseSpec(`${description} (\`epcisException\`: ${type})`) }) as const;

const JSON_TYPE = /^application\/(?:ld\+)?json\b/i;
const XML_TYPE = /^(?:application|text)\/xml\b/i;

/** The body's bytes, up to the capture file size limit (413 past it). */
async function readBytes(c: Context<AppEnv>, limit: number): Promise<ArrayBuffer> {
  const tooLarge = () =>
    new AppError(
      "capture_limit_exceeded",
      `the document exceeds the capture file size limit of ${limit} bytes (GS1-EPCIS-Capture-File-Size-Limit): split it`,
      { epcisException: EPCIS_EXCEPTION.captureLimit, limit },
      {
        "GS1-EPCIS-Capture-File-Size-Limit": String(limit),
        "GS1-EPCIS-Capture-Limit": String(CAPTURE_LIMIT),
      },
    );
  let bytes: ArrayBuffer;
  try {
    bytes = await c.req.arrayBuffer();
  } catch (error) {
    if (error instanceof AppError && error.code === "payload_too_large") throw tooLarge();
    throw error;
  }
  if (bytes.byteLength > limit) throw tooLarge();
  return bytes;
}

/**
 * A capture body as the JSON-LD the pipeline takes: JSON-LD as sent, or EPCIS XML (2.0, or 1.2
 * upgraded to 2.0) validated against GS1's XSD and mapped to JSON-LD.
 */
async function readCaptureBody(
  c: Context<AppEnv>,
  limit: number,
  what: "document" | "event",
): Promise<unknown> {
  const type = c.req.header("Content-Type") ?? "";
  const isXml = XML_TYPE.test(type);
  if (!isXml && !JSON_TYPE.test(type)) {
    throw new AppError(
      "unsupported_media_type",
      `send the EPCIS ${what} as JSON-LD (application/json, application/ld+json) or XML (application/xml, text/xml); got '${type || "none"}'`,
      {
        epcisException: "epcisException:UnsupportedMediaTypeException",
      },
    );
  }
  const bytes = await readBytes(c, limit);
  const text = new TextDecoder().decode(bytes);
  if (isXml) {
    const validator = c.var.deps.xmlValidator;
    return what === "document" ? readXmlDocument(text, validator) : readXmlEvent(text, validator);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AppError(
      "epcis_validation",
      `the body is not valid JSON: ${(error as Error).message}`,
      {
        epcisException: EPCIS_EXCEPTION.validation,
      },
    );
  }
}

function behaviourOf(c: Context<AppEnv>) {
  const value = (c.req.header("GS1-Capture-Error-Behaviour") ?? "rollback").trim().toLowerCase();
  if (value === "rollback" || value === "proceed") return value;
  throw new AppError(
    "epcis_validation",
    `GS1-Capture-Error-Behaviour must be rollback or proceed (got '${value}')`,
    {
      epcisException: EPCIS_EXCEPTION.validation,
    },
  );
}

export const epcisRoutes = createRouter();
epcisRoutes.use("/epcis", epcisHeaders);
epcisRoutes.use("/epcis/*", epcisHeaders);
// Subscriptions are delivered by every process that serves the EPCIS interface.
epcisRoutes.use("/epcis/*", async (c, next) => {
  ensureDispatcher(deliveryDeps(c));
  await next();
});

const TOP_LEVEL = [
  "queries",
  "capture",
  "events",
  "eventTypes",
  "epcs",
  "readPoints",
  "bizLocations",
  "dispositions",
  "bizSteps",
  "vocabularies",
];

epcisRoutes.openAPIRegistry.registerPath({
  method: "get",
  path: "/epcis",
  operationId: "epcisTopLevel",
  summary: "EPCIS top-level resources",
  tags,
  responses: {
    200: {
      description: "The resources",
      content: { "application/json": { schema: z.object({ member: z.array(z.string()) }) } },
    },
    ...authErrorResponses,
  },
});
epcisRoutes.get("/epcis", async (c) => {
  await requireReader(c);
  return c.json(collection(TOP_LEVEL), 200);
});

// Discovery: OPTIONS answers without a key (it tells only what the repository supports).
const OPTIONS: [string, string][] = [
  ["/epcis", "OPTIONS, GET"],
  ["/epcis/capture", "OPTIONS, GET, POST"],
  ["/epcis/capture/:id", "OPTIONS, GET"],
  ["/epcis/events", "OPTIONS, GET, POST"],
  ["/epcis/events/:id{.+}", "OPTIONS, GET"],
  ["/epcis/eventTypes", "OPTIONS, GET"],
  ["/epcis/bizSteps", "OPTIONS, GET"],
  ["/epcis/dispositions", "OPTIONS, GET"],
  ["/epcis/readPoints", "OPTIONS, GET"],
  ["/epcis/bizLocations", "OPTIONS, GET"],
  ["/epcis/epcs", "OPTIONS, GET"],
  ["/epcis/epcs/:epc{.+}", "OPTIONS, GET"],
  ["/epcis/vocabularies", "OPTIONS, GET"],
  ["/epcis/vocabularies/:type", "OPTIONS, GET"],
  ["/epcis/vocabularies/:type/:id{.+}", "OPTIONS, GET"],
  ["/epcis/queries", "OPTIONS, GET, POST"],
  ["/epcis/queries/:name", "OPTIONS, GET, DELETE"],
  ["/epcis/queries/:name/events", "OPTIONS, GET"],
  ["/epcis/queries/:name/subscriptions", "OPTIONS, GET, POST"],
  ["/epcis/queries/:name/subscriptions/:id", "OPTIONS, GET, DELETE"],
];
for (const [path, allow] of OPTIONS) {
  epcisRoutes.options(path, (c) =>
    c.body(
      null,
      204,
      discoveryHeaders(
        allow,
        path === "/epcis/capture"
          ? { capture: { fileSizeLimit: c.var.deps.config.UPLOAD_LIMIT_BYTES } }
          : {},
      ),
    ),
  );
}

epcisRoutes.openAPIRegistry.registerPath({
  method: "post",
  path: "/epcis/capture",
  operationId: "epcisCapture",
  summary: "Capture an EPCIS document (asynchronous capture job)",
  description: [
    "The whole document is checked first, against the EPCIS 2.0 JSON Schema and the CBV 2.0 vocabularies, with GS1 keys (URN or Digital Link, any key type) checked for well-formedness. With `GS1-Capture-Error-Behaviour: rollback` (default) a document with one bad event is refused whole (400, nothing stored); with `proceed` the good events are captured and the bad ones listed on the job.",
    "",
    `Answers 202 with \`Location: /epcis/capture/{captureID}\`. Limits: ${CAPTURE_LIMIT} events (\`GS1-EPCIS-Capture-Limit\`) and the upload size (\`GS1-EPCIS-Capture-File-Size-Limit\`, see OPTIONS); past either, 413.`,
    "",
    "Events are stored as sent, with their Event Hash ID (CBV 2.0); an event without eventID gets its Event Hash ID as eventID; an event already stored (same hash) is not stored again. Needs the key of a verified organisation.",
  ].join("\n"),
  tags,
  request: {
    headers: z.object({
      "GS1-Capture-Error-Behaviour": z.enum(["rollback", "proceed"]).optional(),
      "GS1-EPCIS-Version": z.string().optional(),
      "GS1-CBV-Version": z.string().optional(),
    }),
    body: {
      required: true,
      content: {
        "application/json": { schema: EpcisDocument },
        "application/ld+json": { schema: EpcisDocument },
        "application/xml": {
          schema: z.string().openapi({
            description:
              "An EPCISDocument, EPCISQueryDocument or EPCISMasterDataDocument in EPCIS 2.0 or 1.2 XML, valid against GS1's XSD (also as text/xml). Refusals name the line. 501 in Workers.",
          }),
        },
      },
    },
  },
  responses: {
    202: {
      description: "Capture job created; see the Location header",
      headers: { Location: { schema: { type: "string" } } },
    },
    400: epcisProblem(
      "Invalid document, refused whole; `errors` names every bad field",
      EPCIS_EXCEPTION.validation,
    ),
    ...authErrorResponses,
    413: epcisProblem("Too many events or too many bytes", EPCIS_EXCEPTION.captureLimit),
    415: epcisProblem("Neither JSON nor XML", "epcisException:UnsupportedMediaTypeException"),
    500: errorResponses[500],
  },
});
epcisRoutes.post("/epcis/capture", async (c) => {
  const caller = await requireWriter(c);
  const behaviour = behaviourOf(c);
  const doc = await readCaptureBody(c, c.var.deps.config.UPLOAD_LIMIT_BYTES, "document");
  const prepared = prepareDocument(doc);
  const masterData = masterDataOf(doc);
  if (masterData.problems.length > 0) throw masterDataRefused(masterData.problems);
  if (behaviour === "rollback" && prepared.problems.size > 0) throw rejectDocument(prepared);
  const deps = captureDeps(c);
  // The header's master data is stored with the job, when the document is accepted: it describes
  // places and parties, whether or not each event of the document is stored.
  const job = await deps.db.transaction(async (tx) => {
    const created = await createCaptureJob({ ...deps, db: tx }, prepared, behaviour, caller.org.id);
    await storeMasterData(tx, masterData.elements, {
      orgId: caller.org.id,
      regulator: caller.org.roles.includes("regulator"),
      captureId: created.id,
      now: deps.clock.now(),
    });
    return created;
  });
  const task: Promise<void> = whileHoldingJob(deps.db, c.var.deps.dbKind, job.id, () =>
    runCaptureJob(deps, job, prepared),
  )
    .catch((error) =>
      deps.logger.error("epcis capture job: its lock failed", {
        jobId: job.id,
        error: String(error),
      }),
    )
    .then(() => kickDeliveries(deliveryDeps(c)))
    .finally(() => inFlight.delete(task));
  inFlight.add(task);
  background(c, task);
  return c.body(null, 202, {
    Location: `/epcis/capture/${job.id}`,
    "GS1-EPCIS-Capture-Limit": String(CAPTURE_LIMIT),
    "GS1-EPCIS-Capture-File-Size-Limit": String(c.var.deps.config.UPLOAD_LIMIT_BYTES),
  });
});

/** A job's columns without the document it keeps while running (megabytes for a large capture). */
const { document: _kept, ...jobColumns } = getTableColumns(epcisCaptureJobs);

epcisRoutes.openAPIRegistry.registerPath({
  method: "get",
  path: "/epcis/capture",
  operationId: "epcisCaptureJobs",
  summary: "The caller's capture jobs, newest first",
  tags,
  request: {
    query: z.object({ perPage: z.string().optional(), nextPageToken: z.string().optional() }),
  },
  responses: {
    200: {
      description: "Capture jobs; the next page is in the Link header",
      content: { "application/json": { schema: z.array(CaptureJob) } },
    },
    ...authErrorResponses,
  },
});
epcisRoutes.get("/epcis/capture", async (c) => {
  const caller = await requireReader(c);
  const perPage = Math.min(Math.max(Number(c.req.query("perPage") ?? 30) || 30, 1), 200);
  const after = c.req.query("nextPageToken");
  const rows = await c.var.deps.db
    .select(jobColumns)
    .from(epcisCaptureJobs)
    .where(
      and(
        eq(epcisCaptureJobs.capturedByOrgId, caller.org.id),
        after ? lt(epcisCaptureJobs.id, after) : undefined,
      ),
    )
    .orderBy(desc(epcisCaptureJobs.id))
    .limit(perPage + 1);
  const page = rows.slice(0, perPage);
  const headers: Record<string, string> = {};
  if (rows.length > perPage) {
    const next = new URL(c.req.url);
    next.searchParams.set("nextPageToken", page[page.length - 1]!.id);
    headers.Link = `<${next.pathname}${next.search}>; rel="next"`;
  }
  return c.json(page.map(captureJobView), 200, headers);
});

epcisRoutes.openAPIRegistry.registerPath({
  method: "get",
  path: "/epcis/capture/{captureID}",
  operationId: "epcisCaptureJob",
  summary: "The state of a capture job: running, success, or failure with the errors per event",
  tags,
  request: { params: z.object({ captureID: z.string() }) },
  responses: {
    200: {
      description: "The capture job",
      content: { "application/json": { schema: CaptureJob } },
    },
    ...authErrorResponses,
    ...notFoundResponse,
  },
});
epcisRoutes.get("/epcis/capture/:id", async (c) => {
  const caller = await requireReader(c);
  const [job] = await c.var.deps.db
    .select(jobColumns)
    .from(epcisCaptureJobs)
    .where(eq(epcisCaptureJobs.id, c.req.param("id")));
  // Another organisation's job is not shown (nor is its existence revealed), except to a regulator.
  if (!job || (job.capturedByOrgId !== caller.org.id && !caller.org.roles.includes("regulator"))) {
    throw new AppError("not_found", `capture job ${c.req.param("id")} does not exist`, {
      epcisException: "epcisException:NoSuchResourceException",
    });
  }
  return c.json(captureJobView(job), 200);
});

epcisRoutes.openAPIRegistry.registerPath({
  method: "post",
  path: "/epcis/events",
  operationId: "epcisCaptureEvent",
  summary: "Capture one EPCIS event (synchronous)",
  description:
    "The event with its own `@context`. 201 with the stored event (eventID and recordTime set) and its Location; 200 with the stored one when the same event (same Event Hash ID) was captured before; 409 when its eventID already names another event.",
  tags,
  request: {
    body: {
      required: true,
      content: {
        "application/json": { schema: EpcisEvent },
        "application/xml": {
          schema: z.string().openapi({
            description: "One EPCIS 2.0 XML event element, e.g. <ObjectEvent>…</ObjectEvent>",
          }),
        },
      },
    },
  },
  responses: {
    201: { description: "Captured", content: { "application/json": { schema: EpcisEvent } } },
    200: {
      description: "Already captured: the stored event",
      content: { "application/json": { schema: EpcisEvent } },
    },
    400: epcisProblem("Invalid event, not stored", EPCIS_EXCEPTION.validation),
    ...authErrorResponses,
    409: epcisProblem("The eventID names another event", EPCIS_EXCEPTION.exists),
    413: epcisProblem("Too many bytes", EPCIS_EXCEPTION.captureLimit),
    415: epcisProblem("Neither JSON nor XML", "epcisException:UnsupportedMediaTypeException"),
    500: errorResponses[500],
  },
});
epcisRoutes.post("/epcis/events", async (c) => {
  const caller = await requireWriter(c);
  const event = await readCaptureBody(c, c.var.deps.config.UPLOAD_LIMIT_BYTES, "event");
  const deps = captureDeps(c);
  const appended = await captureSingleEvent(deps, event, caller.org.id);
  if (!appended.duplicate) background(c, kickDeliveries(deliveryDeps(c)));
  const stored = formatEvent(appended.row.document, epcFormatOf(c));
  return c.json(stored, appended.duplicate ? 200 : 201, {
    Location: `/epcis/events/${encodeURIComponent(appended.row.eventId)}`,
  });
});

registerQueryRoutes(epcisRoutes);
registerVocabularyRoutes(epcisRoutes);
registerSubscriptionRoutes(epcisRoutes);
