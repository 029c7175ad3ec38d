// Wire schemas of the lifecycle API: one body shape per kind, as a discriminated union.
import { z } from "@hono/zod-openapi";

export const MAX_ITEMS_PER_EVENT = 100_000;

const code = z.string().trim().min(1).max(512);
const items = z
  .array(code)
  .min(1)
  .max(MAX_ITEMS_PER_EVENT, `at most ${MAX_ITEMS_PER_EVENT} items in one event`)
  .openapi({
    description: "item codes in any scanned form (Digital Link, element string, key)",
    example: ["/01/06901234567892/21/Kf3x9QmT7pLw"],
  });
const lotQuantity = z
  .object({
    code: code.openapi({ example: "/01/06901234567892/10/LOT2026A" }),
    quantity: z.number().int().min(1).max(10_000_000),
  })
  .openapi("LotQuantity");
const eventTime = z.iso.datetime({ offset: true }).optional().openapi({
  description:
    "when it happened (default: now). Send the same time on a retry: the same event is then stored once.",
});

const subjectsOf = { items: items.optional(), lot: lotQuantity.optional(), eventTime };

export const ListingBody = z
  .object({
    kind: z.literal("listing"),
    code: code.openapi({
      description: "the product (GTIN) or lot listed",
      example: "06901234567892",
    }),
    shopName: z.string().trim().min(1).max(200).openapi({ example: "橘乡旗舰店" }),
    listingUrl: z.url().max(2000).openapi({ example: "https://shop.example.cn/item/123" }),
    price: z.number().min(0).max(10_000_000).openapi({ example: 39.9 }),
    currency: z.string().length(3).default("CNY"),
    eventTime,
  })
  .openapi("ListingEvent");

export const SaleBody = z
  .object({
    kind: z.literal("sale"),
    ...subjectsOf,
    orderNumber: z.string().trim().min(1).max(100).openapi({ example: "TB20260601-000123" }),
    buyerRef: z.string().trim().min(1).max(200).optional().openapi({
      description:
        "the buyer's account in the shop; kept only as a keyed hash, to see many orders from one buyer",
    }),
    price: z.number().min(0).max(10_000_000).optional(),
  })
  .openapi("SaleEvent");

export const DispatchBody = z
  .object({
    kind: z.literal("dispatch"),
    ...subjectsOf,
    waybill: z.string().trim().min(1).max(64).openapi({ example: "SF1234567890" }),
    carrierOrgId: z
      .string()
      .max(64)
      .optional()
      .openapi({ description: "the logistics organisation; the caller when it is one" }),
    parcelWeightGrams: z.number().int().min(0).max(10_000_000).openapi({ example: 2600 }),
    destinationRegion: z
      .string()
      .regex(/^\d{6}$/)
      .openapi({ example: "330106" }),
  })
  .openapi("DispatchEvent");

export const SignOffBody = z
  .object({
    kind: z.literal("sign_off"),
    ...subjectsOf,
    waybill: z.string().trim().max(64).optional(),
  })
  .openapi("SignOffEvent");

export const ReturnBody = z
  .object({
    kind: z.literal("return"),
    items,
    reason: z.string().trim().min(1).max(1000),
    rmaNumber: z.string().trim().max(100).optional(),
    eventTime,
  })
  .openapi("ReturnEvent");

export const DestroyBody = z
  .object({
    kind: z.literal("destroy"),
    ...subjectsOf,
    reason: z.string().trim().min(1).max(1000),
  })
  .openapi("DestroyEvent");

/** The CBV error reasons (CBV 2.0, 8.10): what an error declaration says was wrong. */
export const ERROR_REASONS = ["did_not_occur", "incorrect_data"] as const;

export const CorrectionBody = z
  .object({
    kind: z.literal("correction"),
    eventId: z.string().trim().min(1).max(512).openapi({
      description: "the eventID of the mistaken event, as the API answered it (`event.eventId`)",
      example: "ni:///sha-256;2f1c0e…?ver=CBV2.0",
    }),
    reason: z.enum(ERROR_REASONS).openapi({
      description:
        "`did_not_occur`: it never happened (a sale keyed in for the wrong order); `incorrect_data`: it happened, but not as recorded. Either way the event stops counting; record the right one after.",
    }),
    note: z.string().trim().min(1).max(1000).optional().openapi({
      description: "what went wrong, in a sentence; shown to inspectors and on the scan page",
      example: "订单录错，顾客未购买",
    }),
  })
  .openapi("CorrectionEvent");

export const LifecycleBody = z
  .discriminatedUnion("kind", [
    ListingBody,
    SaleBody,
    DispatchBody,
    SignOffBody,
    ReturnBody,
    DestroyBody,
    CorrectionBody,
  ])
  .openapi("LifecycleEvent");
export type LifecycleInput = z.infer<typeof LifecycleBody>;

export const Actor = z
  .object({
    id: z.string(),
    nameZh: z.string(),
    uscc: z.string().nullable(),
    verified: z.boolean(),
  })
  .openapi("Actor");

export const EventView = z
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
    recordTime: z.string(),
    actor: Actor.nullable(),
    document: z.record(z.string(), z.unknown()),
  })
  .openapi("Event");

export const Receipt = z
  .object({
    item: z.string(),
    receiptCode: z.string().openapi({ description: "give it to the buyer; shown once" }),
    url: z.string().openapi({ description: "the scan page with the receipt code, for the buyer" }),
  })
  .openapi("Receipt");

export const Recorded = z
  .object({
    event: EventView,
    duplicate: z.boolean(),
    affected: z.number().int(),
    receipts: z.array(Receipt).optional(),
  })
  .openapi("Recorded");

export const History = z
  .object({ key: z.string(), level: z.string(), events: z.array(EventView) })
  .openapi("History");
