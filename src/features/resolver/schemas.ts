// Wire schemas of the resolver: the scan page's content as JSON, the RFC 9264 linkset, the resolver description.
import { z } from "@hono/zod-openapi";
import { ReviewSummary, ReviewView } from "../feedback/schemas";
import { PublicOrg } from "../orgs/schemas";

const Region = z.object({ code: z.string(), names: z.array(z.string()) });

export const WARNING_KINDS = [
  "recalled",
  "non_conforming",
  "cloned",
  "destroyed",
  "lot_mismatch",
] as const;

export const ScanWarning = z
  .object({
    kind: z.enum(WARNING_KINDS),
    detail: z.string(),
    recall: z
      .object({
        level: z.string(),
        reason: z.string(),
        instructions: z.string(),
        contacts: z.string(),
      })
      .optional(),
  })
  .openapi("ScanWarning");

export const TimelineEntry = z
  .object({
    eventId: z.number().int(),
    kind: z.string(),
    bizStep: z.string().nullable(),
    time: z.string(),
    actor: z.object({ id: z.string(), nameZh: z.string(), verified: z.boolean() }).nullable(),
    place: z.array(z.string()).openapi({ description: "the actor's city (names, province first)" }),
    destination: z
      .array(z.string())
      .nullable()
      .openapi({ description: "a dispatch's destination city; never an address" }),
    confirmedByBuyer: z.boolean(),
    location: z
      .object({ name: z.string(), zh: z.string().nullable(), en: z.string().nullable() })
      .nullable()
      .openapi({
        description:
          "the name of the event's business location (else read point) in the EPCIS master data, in Chinese and English when given",
      }),
    correction: z
      .object({
        reason: z.string().nullable().openapi({ description: "did_not_occur or incorrect_data" }),
        declaredAt: z.string().nullable(),
        note: z.string().nullable(),
      })
      .nullable()
      .openapi({
        description:
          "set when the event was declared erroneous: it stays on record and no longer counts",
      }),
  })
  .openapi("TimelineEntry");

export const InspectionSummary = z
  .object({
    id: z.string(),
    lot: z.string(),
    reportNumber: z.string(),
    conclusion: z.enum(["pass", "fail"]),
    issueDate: z.string(),
    laboratory: z.object({ id: z.string(), nameZh: z.string(), verified: z.boolean() }),
    reportUrl: z.string().nullable(),
  })
  .openapi("InspectionSummary");

export const ScanView = z
  .object({
    key: z.string().openapi({ example: "/01/06901234567892/21/Kf3x9QmT7pLw" }),
    level: z.enum(["product", "lot", "item"]),
    uri: z.string(),
    warnings: z.array(ScanWarning),
    expired: z.boolean(),
    product: z.object({
      gtin: z.string(),
      nameZh: z.string(),
      nameEn: z.string().nullable(),
      category: z.string(),
      specification: z.string().nullable(),
      imageUrl: z.string().nullable(),
      licences: z.array(z.object({ kind: z.string(), number: z.string() })),
    }),
    origin: z.object({
      region: Region.nullable(),
      place: z.string().nullable(),
      producer: PublicOrg,
    }),
    lot: z
      .object({
        lot: z.string(),
        productionDate: z.string().nullable(),
        expiryDate: z.string().nullable(),
        recalled: z.boolean(),
        nonConforming: z.boolean(),
      })
      .nullable(),
    item: z.object({ serial: z.string(), state: z.string(), recalled: z.boolean() }).nullable(),
    inspections: z.array(InspectionSummary),
    timeline: z.array(TimelineEntry),
    sellers: z.array(PublicOrg),
    reviews: z.object({ summary: ReviewSummary, latest: z.array(ReviewView) }),
    scans: z.object({ count: z.number().int(), firstAt: z.string().nullable() }).nullable(),
  })
  .openapi("ScanView");

export const LinkTarget = z
  .object({
    href: z.string(),
    title: z.string().optional(),
    type: z.string().optional(),
    hreflang: z.array(z.string()).optional(),
  })
  .openapi("LinkTarget");

export const Linkset = z
  .object({
    linkset: z.array(
      z
        .object({ anchor: z.string() })
        .catchall(z.union([z.array(LinkTarget), z.string()]))
        .openapi({ description: "one context object per level; keys are link relation type URIs" }),
    ),
  })
  .openapi("Linkset");

export const RecallStatus = z
  .object({
    key: z.string(),
    recalled: z.boolean(),
    nonConforming: z.boolean(),
    recalls: z.array(
      z.object({
        id: z.string(),
        level: z.string(),
        reason: z.string(),
        instructions: z.string(),
        contacts: z.string(),
        wholeProduct: z.boolean(),
        createdAt: z.string(),
      }),
    ),
  })
  .openapi("RecallStatus");

export type ScanViewT = z.infer<typeof ScanView>;
export type TimelineEntryT = z.infer<typeof TimelineEntry>;
export type LinkTargetT = z.infer<typeof LinkTarget>;
