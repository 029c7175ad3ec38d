// Wire schemas of serialised items, commissioning, code look-ups and labels.
import { z } from "@hono/zod-openapi";
import { ITEM_STATES } from "../../db/schema";
import { pageOf } from "../../lib/pagination";
import { ROLL_STOCK_IDS, STOCK_IDS } from "../labels/stock";
import { GTIN_EXAMPLE, Lot, Product, SerialInput } from "./schemas";

export const MAX_COMMISSION = 100_000;
/** Labels in one PDF or ZPL answer: a 10,000-item lot in one go, larger ones paged. */
export const MAX_PRINTED_LABELS = 10_000;
/** Up to this many commissioned items are listed in the response; beyond it, download them. */
export const LISTED_IN_RESPONSE = 1_000;

export const ItemState = z.enum(ITEM_STATES).openapi("ItemState");

export const CommissionBody = z
  .object({
    count: z
      .number()
      .int()
      .min(1)
      .max(MAX_COMMISSION)
      .optional()
      .openapi({ description: "How many serials to generate", example: 500 }),
    serials: z
      .array(SerialInput)
      .min(1)
      .max(MAX_COMMISSION)
      .optional()
      .openapi({ description: "Serials of your own, instead of generated ones" }),
  })
  .superRefine((body, ctx) => {
    if ((body.count === undefined) === (body.serials === undefined)) {
      ctx.addIssue({ code: "custom", message: "give either `count` or `serials`, not both" });
    }
    const seen = new Set<string>();
    body.serials?.forEach((serial, i) => {
      if (seen.has(serial)) {
        ctx.addIssue({ code: "custom", path: ["serials", i], message: `${serial} is repeated` });
      }
      seen.add(serial);
    });
  })
  .openapi("Commission");

export const CommissionedItem = z
  .object({
    serial: z.string().openapi({ example: "Kq7ZmW3xRt9a" }),
    key: z.string().openapi({ example: `/01/${GTIN_EXAMPLE}/21/Kq7ZmW3xRt9a` }),
    uri: z.string().openapi({
      example: `https://zhuisu.example/01/${GTIN_EXAMPLE}/10/2026060101/21/Kq7ZmW3xRt9a?17=260701`,
    }),
  })
  .openapi("CommissionedItem");

export const Commissioned = z
  .object({
    lot: Lot,
    count: z.number().int(),
    items: z
      .array(CommissionedItem)
      .optional()
      .openapi({
        description: `The new items, when there are at most ${LISTED_IN_RESPONSE}; otherwise use \`download\``,
      }),
    download: z.object({ json: z.string(), csv: z.string() }),
  })
  .openapi("Commissioned");

export const Item = z
  .object({
    gtin: z.string().openapi({ example: GTIN_EXAMPLE }),
    serial: z.string().openapi({ example: "Kq7ZmW3xRt9a" }),
    lot: z.string().openapi({ example: "2026060101" }),
    key: z.string().openapi({ example: `/01/${GTIN_EXAMPLE}/21/Kq7ZmW3xRt9a` }),
    uri: z.string().openapi({
      example: `https://zhuisu.example/01/${GTIN_EXAMPLE}/10/2026060101/21/Kq7ZmW3xRt9a?17=260701`,
    }),
    state: ItemState.openapi({ example: "commissioned" }),
    recalled: z
      .boolean()
      .openapi({ description: "The item or its whole lot is recalled", example: false }),
    custodianOrgId: z.string().nullable().openapi({ description: "Who holds it now" }),
    commissionedAt: z.string().openapi({ example: "2026-06-01T08:00:00.000Z" }),
    updatedAt: z.string().openapi({ example: "2026-06-01T08:00:00.000Z" }),
  })
  .openapi("Item");

export const ItemPage = pageOf(Item, "ItemPage");

export const ItemDetail = z
  .object({ item: Item, lot: Lot, product: Product })
  .openapi("ItemDetail");

export const ItemListQuery = z.object({
  format: z.enum(["json", "csv"]).default("json").openapi({
    description: "json: one page of items; csv: every item of the lot as serial,key,uri",
  }),
});

export const ParsedCodeView = z
  .object({
    level: z.enum(["product", "lot", "item", "other-key", "drug-code"]),
    key: z.string().openapi({
      description: "Canonical key: the Digital Link path, or the drug code itself",
      example: `/01/${GTIN_EXAMPLE}/21/Kq7ZmW3xRt9a`,
    }),
    gtin: z.string().nullable(),
    lot: z.string().nullable(),
    serial: z.string().nullable(),
    attributes: z.record(z.string(), z.string()).openapi({ example: { "17": "260701" } }),
    form: z.enum([
      "digital-link",
      "compressed-digital-link",
      "dl-path",
      "element-string",
      "raw-element-string",
      "gtin",
      "drug-code",
    ]),
    symbologyId: z.string().nullable(),
    uri: z
      .string()
      .nullable()
      .openapi({
        description:
          "The Digital Link URI on this service: key, qualifiers and AI attributes (null for a drug code)",
        example: `https://zhuisu.example.cn/01/${GTIN_EXAMPLE}/21/Kq7ZmW3xRt9a`,
      }),
    compressedUri: z.string().nullable().openapi({
      description:
        "The same URI compressed as GS1 Digital Link compression defines: shorter, for a smaller QR code",
      example: "https://zhuisu.example.cn/DAyNo0UVqNhVXbMy2-KNvrQ",
    }),
  })
  .openapi("ParsedCode");

export const Lookup = z
  .object({
    parsed: ParsedCodeView,
    product: Product.optional(),
    lot: Lot.optional(),
    item: Item.optional(),
  })
  .openapi("Lookup");

export const CodeQuery = z.object({
  code: z.string().min(1).max(4096).openapi({
    description:
      "Any scanned or typed form: Digital Link URI, (01)… element string, raw scan with FNC1/GS and symbology prefix, bare GTIN, 20-digit drug code",
    example: "(01)06901234567892(10)2026060101(21)Kq7ZmW3xRt9a",
  }),
});

export const LabelQuery = CodeQuery.extend({
  symbology: z.enum(["qr", "datamatrix", "gs1-128", "ean13"]).default("qr"),
  format: z.enum(["svg", "png"]).default("svg"),
  compress: z.enum(["true", "false"]).default("false").openapi({
    description:
      "QR only: carry the GS1 Digital Link compressed form (a shorter URI, so a smaller QR code), which the resolver answers like the uncompressed one",
  }),
});

export const SheetQuery = z.object({
  symbology: z.enum(["qr", "datamatrix"]).default("qr"),
  perRow: z.coerce.number().int().min(1).max(10).default(3),
  widthMm: z.coerce.number().min(10).max(200).default(60),
  heightMm: z.coerce.number().min(10).max(287).default(40),
  offset: z.coerce
    .number()
    .int()
    .min(0)
    .default(0)
    .openapi({ description: "Skip this many items (commissioning order)" }),
  limit: z.coerce.number().int().min(1).max(MAX_COMMISSION).default(MAX_COMMISSION),
});

const printRange = {
  offset: SheetQuery.shape.offset,
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PRINTED_LABELS)
    .default(MAX_PRINTED_LABELS)
    .openapi({ description: "At most this many labels; page through a larger lot with offset" }),
  serial: z
    .string()
    .min(1)
    .max(20)
    .optional()
    .openapi({ description: "Print only this item's label", example: "SN0001" }),
};

export const PdfLabelsQuery = z.object({
  stock: z.enum(STOCK_IDS).default("a4-3x8").openapi({
    description: "Label stock: roll-50x30, roll-100x50 (one per page), a4-3x8, a4-4x10",
  }),
  symbology: z.enum(["qr", "datamatrix", "gs1-128"]).default("qr"),
  ...printRange,
});

export const ZplLabelsQuery = z.object({
  stock: z.enum(ROLL_STOCK_IDS).default("roll-50x30"),
  symbology: z.enum(["qr", "datamatrix", "gs1-128"]).default("qr"),
  dpi: z.enum(["203", "300"]).default("203").openapi({ description: "The printer's resolution" }),
  ...printRange,
});

export type ItemView = z.infer<typeof Item>;
