// Wire schemas of recalls: the notice, its effectiveness (units by state and holder), recalled units in custody.
import { z } from "@hono/zod-openapi";
import { PageQuery, pageOf } from "../../lib/pagination";
import { Party } from "../trace/schemas";

const code = z.string().trim().min(1).max(512);

export const RECALL_LEVELS = ["I", "II", "III"] as const;

export const CreateRecallBody = z
  .object({
    product: code.openapi({
      description: "the product: its GTIN, or any code of it",
      example: "06901234567892",
    }),
    lots: z
      .array(code)
      .min(1)
      .max(1000)
      .optional()
      .openapi({
        description: "lot codes in any form; omitted: every lot of the product",
        example: ["/01/06901234567892/10/LOT2026A"],
      }),
    level: z.enum(RECALL_LEVELS).openapi({
      description: "I: serious health hazard; II: possible hazard; III: unlikely hazard (召回级别)",
    }),
    reason: z.string().trim().min(1).max(2000).openapi({ example: "毒死蜱残留超标" }),
    instructions: z.string().trim().min(1).max(4000).openapi({
      description: "what consumers should do",
      example: "请停止食用，联系购买店铺退货退款",
    }),
    contacts: z.string().trim().min(1).max(1000).openapi({ example: "召回热线 400-000-0000" }),
  })
  .openapi("CreateRecall");

export const CloseRecallBody = z
  .object({
    reason: z.string().trim().min(1).max(2000).openapi({ example: "召回产品已全部退回并销毁" }),
    outcome: z.enum(["completed", "withdrawn"]).default("completed").openapi({
      description:
        "completed: the recall ran its course and the units stay recalled; withdrawn: it was issued in error and is lifted",
    }),
  })
  .openapi("CloseRecall");

export const UNIT_CATEGORIES = [
  "at_producer",
  "with_seller",
  "in_transit",
  "delivered",
  "returned",
  "destroyed",
] as const;

const Categories = z.object(
  Object.fromEntries(UNIT_CATEGORIES.map((c) => [c, z.number().int()])) as Record<
    (typeof UNIT_CATEGORIES)[number],
    z.ZodNumber
  >,
);

export const Recall = z
  .object({
    id: z.string().openapi({ example: "rcl_q2w3e4r5t6y7u8i9" }),
    status: z.enum(["open", "closed"]),
    level: z.enum(RECALL_LEVELS),
    reason: z.string(),
    instructions: z.string(),
    contacts: z.string(),
    product: z.object({ gtin: z.string(), key: z.string(), nameZh: z.string() }),
    wholeProduct: z.boolean(),
    lots: z.array(z.object({ key: z.string(), lot: z.string() })),
    initiatedBy: z.object({ id: z.string(), nameZh: z.string(), uscc: z.string().nullable() }),
    event: z.object({ id: z.number().int(), eventId: z.string(), hashId: z.string() }).nullable(),
    createdAt: z.string(),
    closed: z
      .object({
        at: z.string(),
        reason: z.string(),
        outcome: z.enum(["completed", "withdrawn"]),
        by: z.string(),
      })
      .nullable(),
    url: z.string(),
  })
  .openapi("Recall");

export const Effectiveness = z
  .object({
    total: z.number().int().openapi({ description: "units of the recalled lots" }),
    byCategory: Categories.openapi({
      description:
        "at_producer: commissioned, not sold; with_seller: sold, not yet dispatched; in_transit; delivered: with consumers; returned; destroyed",
    }),
    removedFromMarket: z.number().int().openapi({ description: "returned + destroyed" }),
    stillWithConsumersOrInMarket: z.number().int().openapi({
      description: "with_seller + in_transit + delivered",
    }),
    scannedSinceRecall: z
      .object({
        scans: z.number().int(),
        units: z.number().int().openapi({ description: "distinct units scanned" }),
      })
      .openapi({
        description:
          "consumer scans of recalled units after the recall started: each scanner saw the recall warning",
      }),
    byLot: z.array(z.object({ key: z.string(), total: z.number().int(), byCategory: Categories })),
    holders: z
      .array(
        z.object({
          category: z.enum(UNIT_CATEGORIES),
          custodian: Party.nullable().openapi({ description: "who holds them; null: consumers" }),
          seller: Party.nullable(),
          units: z.number().int(),
        }),
      )
      .nullable()
      .openapi({
        description:
          "who holds the units; shown to the brand owner, the initiator, inspectors and regulators",
      }),
  })
  .openapi("RecallEffectiveness");

export const RecallReport = Recall.extend({ effectiveness: Effectiveness }).openapi("RecallReport");

export const RecallPage = pageOf(Recall, "RecallPage");

export const RecallListQuery = PageQuery.extend({
  code: code.optional().openapi({ description: "recalls of this product, lot or item (any form)" }),
  status: z.enum(["open", "closed"]).optional(),
});

export const RecallIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "rcl_q2w3e4r5t6y7u8i9" }),
});

export const RecalledUnit = z
  .object({
    key: z.string(),
    serial: z.string(),
    lot: z.object({ key: z.string(), lot: z.string() }),
    state: z.string(),
    custodian: z.string().nullable(),
    seller: z.string().nullable(),
    recalls: z.array(z.string()).openapi({ description: "open recalls of its lot" }),
  })
  .openapi("RecalledUnit");

export const RecalledUnitPage = pageOf(RecalledUnit, "RecalledUnitPage");

export const RecalledUnitsQuery = PageQuery.extend({
  relation: z.enum(["custody", "sold"]).default("custody").openapi({
    description: "custody: units the caller holds; sold: units it sold (to reach the buyers)",
  }),
});
