// Wire schemas of chain-of-custody traces: parties, events as edges between them, unit counts.
import { z } from "@hono/zod-openapi";
import { ITEM_STATES } from "../../db/schema";
import { SignedCheckpoint } from "../log/schemas";
import { LicenceInput, Region } from "../orgs/schemas";

export const TRACE_FORMATS = ["json", "csv", "epcis"] as const;
export type TraceFormat = (typeof TRACE_FORMATS)[number];

export const TraceQuery = z.object({
  asOf: z.iso.datetime({ offset: true }).optional().openapi({
    description:
      "the state at this time: only events that happened (eventTime) at or before it count",
    example: "2026-06-01T12:00:00+08:00",
  }),
  format: z.enum(TRACE_FORMATS).optional().openapi({
    description:
      "json (default), csv (one row per event) or epcis (EPCIS 2.0 JSON-LD); also chosen by `Accept: text/csv` or `application/ld+json`",
  }),
});

/** An organisation as it appears in a trace: its verified identity and licences. */
export const Party = z
  .object({
    id: z.string(),
    nameZh: z.string(),
    nameEn: z.string().nullable(),
    uscc: z.string().nullable(),
    personIdMasked: z.string().nullable(),
    roles: z.array(z.string()),
    status: z.string(),
    verified: z.boolean(),
    region: Region,
    licences: z.array(LicenceInput),
  })
  .openapi("Party");

export const Actor = z
  .object({
    id: z.string(),
    nameZh: z.string(),
    uscc: z.string().nullable(),
    verified: z.boolean(),
  })
  .openapi("TraceActor");

export const Reference = z
  .object({
    type: z.string().openapi({ example: "testres" }),
    id: z.string().openapi({ example: "urn:zhuisu:report:org_x:HZ2026-0601" }),
  })
  .openapi("ReferenceDocument");

export const InclusionProofRef = z
  .object({
    leafIndex: z.number().int(),
    leafHash: z.string(),
    proof: z
      .array(z.string())
      .openapi({ description: "RFC 9162 audit path, hex, leaf side first" }),
  })
  .openapi("TraceInclusionProof");

const PlaceName = z
  .object({ name: z.string(), zh: z.string().nullable(), en: z.string().nullable() })
  .openapi("PlaceName");

/** One event as an edge of the graph: what moved, from whom, to whom, where, when, on which papers. */
export const TraceCorrection = z
  .object({
    by: z
      .number()
      .int()
      .openapi({ description: "id of the error declaration (an event of this trace)" }),
    reason: z
      .string()
      .nullable()
      .openapi({ description: "CBV error reason: did_not_occur or incorrect_data" }),
    declaredAt: z.string().nullable(),
    note: z.string().nullable(),
  })
  .openapi("TraceCorrection");

export const TraceEvent = z
  .object({
    id: z.number().int(),
    eventId: z.string(),
    hashId: z.string(),
    kind: z.string(),
    eventType: z.string(),
    action: z.string().nullable(),
    bizStep: z.string().nullable(),
    disposition: z.string().nullable(),
    eventTime: z.string(),
    eventTimeZoneOffset: z.string().nullable(),
    recordTime: z.string(),
    actor: Actor.nullable(),
    what: z.string().openapi({ description: "the item, lot or product key the event is about" }),
    quantity: z.number().int().nullable().openapi({
      description: "units of the traced lot or product in the event (1 for an item)",
    }),
    from: z.string().nullable().openapi({
      description: "party id handing over, or `consumer`",
    }),
    to: z.string().nullable().openapi({ description: "party id taking over, or `consumer`" }),
    where: z.object({
      readPoint: z.string().nullable(),
      bizLocation: z.string().nullable(),
      destinationRegion: z.string().nullable(),
      readPointName: PlaceName.nullable().openapi({
        description: "the read point's name in the EPCIS master data",
      }),
      bizLocationName: PlaceName.nullable().openapi({
        description: "the business location's name in the EPCIS master data",
      }),
    }),
    references: z.array(Reference),
    inclusion: InclusionProofRef.nullable().openapi({
      description: "proof against `checkpoint`; null while the event is newer than it",
    }),
    declares: z.number().int().nullable().openapi({
      description:
        "on an error declaration: the id of the event it declares erroneous (EPCIS errorDeclaration)",
    }),
    correction: TraceCorrection.nullable().openapi({
      description:
        "set when the event was declared erroneous: it stays in the ledger, with its proof, and no longer counts for custody or state",
    }),
  })
  .openapi("TraceEvent");

export const CustodyStep = z
  .object({
    at: z.string(),
    kind: z.string(),
    event: z.number().int(),
    from: z.string().nullable(),
    to: z.string().nullable(),
    state: z.string(),
  })
  .openapi("CustodyStep");

export const TraceProduct = z
  .object({
    gtin: z.string(),
    key: z.string(),
    nameZh: z.string(),
    nameEn: z.string().nullable(),
    category: z.string(),
    owner: z.string(),
    licences: z.array(LicenceInput),
  })
  .openapi("TraceProduct");

export const TraceLot = z
  .object({
    key: z.string(),
    lot: z.string(),
    productionDate: z.string().nullable(),
    expiryDate: z.string().nullable(),
    quantity: z.number().int().nullable(),
    origin: z.object({
      region: z.string().nullable(),
      place: z.string().nullable(),
      latitude: z.number().nullable(),
      longitude: z.number().nullable(),
    }),
    masterData: z.record(z.string(), z.unknown()),
    nonConforming: z.boolean(),
    recalled: z.boolean(),
  })
  .openapi("TraceLot");

export const TraceInspection = z
  .object({
    id: z.string(),
    reportNumber: z.string(),
    conclusion: z.enum(["pass", "fail"]),
    issueDate: z.string(),
    standards: z.array(z.string()),
    inspector: z.string(),
    url: z.string(),
    sha256: z.string().nullable(),
  })
  .openapi("TraceInspection");

export const TraceRecall = z
  .object({
    id: z.string(),
    level: z.string(),
    status: z.string(),
    reason: z.string(),
    createdAt: z.string(),
    url: z.string(),
  })
  .openapi("TraceRecall");

const ItemState = z.enum(ITEM_STATES);
const StateCounts = z.record(z.string(), z.number().int());

export const TraceUnit = z
  .object({
    key: z.string(),
    serial: z.string(),
    state: ItemState.nullable(),
    recalled: z.boolean(),
    custodian: z.string().nullable(),
    seller: z.string().nullable(),
    destinationRegion: z.string().nullable(),
  })
  .openapi("TraceUnit");

const common = {
  format: z.literal("zhuisu-trace/v1"),
  key: z.string(),
  asOf: z.string().nullable(),
  generatedAt: z.string(),
  product: TraceProduct,
  inspections: z.array(TraceInspection),
  recalls: z.array(TraceRecall),
  events: z.array(TraceEvent),
  parties: z.array(Party),
  checkpoint: SignedCheckpoint.nullable().openapi({
    description: "the latest signed checkpoint; verify it with /.well-known/zhuisu-log-key",
  }),
};

export const BackwardTrace = z
  .object({
    ...common,
    direction: z.literal("backward"),
    level: z.literal("item"),
    item: z.object({
      key: z.string(),
      serial: z.string(),
      state: ItemState.nullable(),
      recalled: z.boolean(),
      custodian: z.string().nullable(),
      seller: z.string().nullable(),
    }),
    lot: TraceLot,
    custody: z.array(CustodyStep),
  })
  .openapi("BackwardTrace");

export const ForwardTrace = z
  .object({
    ...common,
    direction: z.literal("forward"),
    level: z.literal("lot"),
    lot: TraceLot,
    units: z.object({
      total: z.number().int(),
      byState: StateCounts,
      byCustodian: z.array(
        z.object({ custodian: z.string().nullable(), state: z.string(), units: z.number().int() }),
      ),
      byRegion: z.array(
        z.object({
          region: z.string().nullable(),
          names: z.array(z.string()),
          units: z.number().int(),
        }),
      ),
      list: z.array(TraceUnit),
    }),
  })
  .openapi("ForwardTrace");

export const ProductTrace = z
  .object({
    ...common,
    direction: z.literal("product"),
    level: z.literal("product"),
    lots: z.array(
      TraceLot.extend({
        units: z.number().int(),
        byState: StateCounts.nullable().openapi({
          description: "current counts; null with `asOf` (see the lot trace for past states)",
        }),
      }),
    ),
  })
  .openapi("ProductTrace");

export type PartyView = z.infer<typeof Party>;
export type TraceEventView = z.infer<typeof TraceEvent>;
export type TraceLotView = z.infer<typeof TraceLot>;
export type TraceProductView = z.infer<typeof TraceProduct>;
export type BackwardTraceView = z.infer<typeof BackwardTrace>;
export type ForwardTraceView = z.infer<typeof ForwardTrace>;
export type ProductTraceView = z.infer<typeof ProductTrace>;
