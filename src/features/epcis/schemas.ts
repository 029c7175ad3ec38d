// Wire shapes of the EPCIS interface for the OpenAPI document (the standard's JSON Schema does the validating).
import { z } from "@hono/zod-openapi";
import { MAX_PER_PAGE } from "./query";

export const EpcisDocument = z
  .object({
    "@context": z.unknown(),
    type: z.enum(["EPCISDocument", "EPCISQueryDocument"]),
    schemaVersion: z.string().optional(),
    creationDate: z.string().optional(),
    epcisBody: z.record(z.string(), z.unknown()),
  })
  .passthrough()
  .openapi("EPCISDocument", {
    description:
      "An EPCIS 2.0 document in JSON-LD, valid against the standard's EPCIS-JSON-Schema.json (https://ref.gs1.org/standards/epcis/2.0.0/epcis-json-schema.json).",
    example: {
      "@context": [
        "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
        { zs: "https://ns.zhuisu.org/epcis#" },
      ],
      type: "EPCISDocument",
      schemaVersion: "2.0",
      creationDate: "2026-06-01T08:00:00.000+08:00",
      epcisBody: {
        eventList: [
          {
            type: "ObjectEvent",
            eventTime: "2026-06-01T08:00:00.000+08:00",
            eventTimeZoneOffset: "+08:00",
            epcList: ["https://id.gs1.org/01/06901234567892/21/Kf3x9QmT7pLw"],
            action: "OBSERVE",
            bizStep: "shipping",
            disposition: "in_transit",
            readPoint: { id: "urn:epc:id:sgln:6901234.00001.0" },
          },
        ],
      },
    },
  });

export const EpcisEvent = z
  .object({ "@context": z.unknown(), type: z.string(), eventTime: z.string() })
  .passthrough()
  .openapi("EPCISEvent", {
    description:
      "One EPCIS 2.0 event with its own @context (EPCIS-Document-Event of the standard).",
  });

export const EpcisQueryDocument = z
  .object({
    "@context": z.unknown(),
    type: z.literal("EPCISQueryDocument"),
    schemaVersion: z.string(),
    creationDate: z.string(),
    epcisBody: z.object({
      queryResults: z.object({
        queryName: z.string(),
        subscriptionID: z.string().optional(),
        resultsBody: z.object({ eventList: z.array(z.record(z.string(), z.unknown())) }),
      }),
    }),
  })
  .openapi("EPCISQueryDocument");

export const CaptureJob = z
  .object({
    captureID: z.string(),
    createdAt: z.string(),
    finishedAt: z.string().optional(),
    running: z.boolean(),
    success: z.boolean(),
    captureErrorBehaviour: z.enum(["rollback", "proceed"]),
    status: z.enum(["running", "success", "failure"]),
    eventCount: z.number().int(),
    capturedCount: z.number().int(),
    duplicateCount: z.number().int(),
    errors: z.array(
      z
        .object({
          type: z.string(),
          title: z.string(),
          status: z.number().int(),
          detail: z.string(),
          eventIndex: z.number().int().optional(),
          eventID: z.string().optional(),
          errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
        })
        .openapi("CaptureProblem"),
    ),
  })
  .openapi("CaptureJob");

export const Collection = z
  .object({ "@context": z.unknown(), type: z.literal("Collection"), member: z.array(z.string()) })
  .openapi("EPCISCollection");

export const NamedQuery = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._~-]{1,100}$/),
    query: z.record(z.string(), z.unknown()),
  })
  .openapi("EPCISNamedQuery", {
    example: {
      name: "shippedOranges",
      query: { eventType: ["ObjectEvent"], EQ_bizStep: ["shipping"] },
    },
  });

export const SubscriptionRequest = z
  .object({
    dest: z.url(),
    signatureToken: z.string().min(16).max(256).optional(),
    stream: z.literal(true).optional(),
    schedule: z
      .object({
        second: z.string(),
        minute: z.string(),
        hour: z.string(),
        dayOfMonth: z.string(),
        month: z.string(),
        dayOfWeek: z.string(),
      })
      .partial()
      .strict()
      .optional()
      .openapi({ example: { hour: "1", minute: "5" } }),
    reportIfEmpty: z.boolean().optional(),
    initialRecordTime: z.string().optional(),
  })
  .openapi("EPCISSubscriptionRequest", {
    example: {
      dest: "https://erp.example.cn/epcis/callback",
      signatureToken: "13df38d8275b13f05704629e5f1cf3d45d6132d5",
      stream: true,
    },
  });

export const Subscription = z
  .object({
    subscriptionID: z.string(),
    queryName: z.string(),
    dest: z.string(),
    stream: z.boolean(),
    schedule: z.record(z.string(), z.string()).optional(),
    reportIfEmpty: z.boolean(),
    createdAt: z.string(),
    initialRecordTime: z.string(),
    minRecordTime: z.string(),
    lastNotifiedAt: z.string().optional(),
    nextRunAt: z.string().optional(),
    epcFormat: z.string(),
    failures: z.number().int(),
  })
  .openapi("EPCISSubscription");

const list = (description: string) =>
  z
    .string()
    .optional()
    .openapi({ description: `${description}; several values separated by \`|\`` });
const time = (description: string) =>
  z.string().optional().openapi({ description, example: "2026-06-01T00:00:00.000+08:00" });

/** The standard's query parameters, for the document (parsed by query.ts, which also knows the dynamic ones). */
export const QueryParameters = z.object({
  eventType: list(
    "ObjectEvent, AggregationEvent, TransactionEvent, TransformationEvent, AssociationEvent",
  ),
  GE_eventTime: time("eventTime ≥"),
  LT_eventTime: time("eventTime <"),
  GE_recordTime: time("recordTime ≥"),
  LT_recordTime: time("recordTime <"),
  EQ_action: list("ADD, OBSERVE, DELETE"),
  EQ_bizStep: list("CBV term, its URI or a custom URI"),
  EQ_disposition: list("CBV term, its URI or a custom URI"),
  EQ_persistentDisposition_set: list("disposition"),
  EQ_persistentDisposition_unset: list("disposition"),
  EQ_readPoint: list("read point (SGLN URN or Digital Link)"),
  WD_readPoint: list("read point (no location hierarchy is kept: same as EQ_)"),
  EQ_bizLocation: list("business location"),
  WD_bizLocation: list("business location (same as EQ_)"),
  EQ_transformationID: list("transformationID"),
  MATCH_epc: list("EPC (URN, EPC pattern or Digital Link) in epcList or childEPCs"),
  MATCH_parentID: list("parentID"),
  MATCH_inputEPC: list("inputEPCList"),
  MATCH_outputEPC: list("outputEPCList"),
  MATCH_anyEPC: list("any of epcList, childEPCs, parentID, inputEPCList, outputEPCList"),
  MATCH_epcClass: list("epcClass of quantityList or childQuantityList"),
  MATCH_inputEPCClass: list("epcClass of inputQuantityList"),
  MATCH_outputEPCClass: list("epcClass of outputQuantityList"),
  MATCH_anyEPCClass: list("epcClass of any quantity list"),
  EQ_eventID: list("eventID"),
  EXISTS_errorDeclaration: z.string().optional().openapi({ description: "only corrected events" }),
  EQ_errorReason: list("errorDeclaration reason"),
  EQ_correctiveEventID: list("corrective eventID"),
  GE_errorDeclarationTime: time("declarationTime ≥"),
  LT_errorDeclarationTime: time("declarationTime <"),
  orderBy: z.enum(["eventTime", "recordTime"]).optional(),
  orderDirection: z.enum(["ASC", "DESC"]).optional(),
  eventCountLimit: z
    .string()
    .optional()
    .openapi({ description: "at most this many events in all (needs orderBy)" }),
  maxEventCount: z
    .string()
    .optional()
    .openapi({ description: "413 QueryTooLargeException past this many" }),
  perPage: z
    .string()
    .optional()
    .openapi({
      description: `events per page (default 30, at most ${MAX_PER_PAGE}); the next page is in the Link header`,
    }),
  nextPageToken: z
    .string()
    .optional()
    .openapi({ description: "from the Link header of the previous page" }),
});
