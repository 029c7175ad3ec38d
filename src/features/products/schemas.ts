// Wire schemas of products and lots, and the identifier inputs shared with items.
import { z } from "@hono/zod-openapi";
import { type Gtin14, parseGtin, validateAiValue } from "../../codes";
import { lookupRegion } from "../../codes/region";
import { CATEGORIES } from "../../db/schema";
import { pageOf } from "../../lib/pagination";
import { LicenceInput, Region } from "../orgs/schemas";

export const MAX_MASTER_DATA_BYTES = 16_384;

export const GTIN_EXAMPLE = "06901234567892";

/** Any GTIN-8/12/13/14, parsed to its 14-digit form; the error names the digit that is wrong. */
export const GtinInput = z
  .string()
  .max(64)
  .transform((value, ctx): Gtin14 => {
    const parsed = parseGtin(value.trim());
    if (!parsed.ok) {
      ctx.addIssue({ code: "custom", message: parsed.error.message });
      return z.NEVER;
    }
    return parsed.value;
  })
  .openapi({
    type: "string",
    description: "GTIN-8, -12, -13 or -14; stored as 14 digits",
    example: "6901234567892",
  });

/** A value of AI 10 (lot) or 21 (serial): GS1 syntax (X..20) and the GB/T 33993 character ban. */
const aiValue = (ai: "10" | "21") =>
  z.string().superRefine((value, ctx) => {
    const error = validateAiValue(ai, value);
    if (error) ctx.addIssue({ code: "custom", message: error.message });
  });

export const LotInput = aiValue("10").openapi({
  description: "Batch/lot number, AI (10): up to 20 GS1 characters, none of % & / < > ?",
  example: "2026060101",
});
export const SerialInput = aiValue("21").openapi({
  description: "Serial number, AI (21): up to 20 GS1 characters, none of % & / < > ?",
  example: "Kq7ZmW3xRt9a",
});

const RegionCode = z
  .string()
  .trim()
  .refine((code) => lookupRegion(code) !== null, { message: "not a GB/T 2260 region code" })
  .openapi({ description: "GB/T 2260 region code (6 digits)", example: "331082" });

export const Category = z.enum(CATEGORIES).openapi("Category");

export const RegisterProductBody = z
  .object({
    gtin: GtinInput,
    nameZh: z.string().trim().min(1).max(200).openapi({ example: "涌泉蜜橘" }),
    nameEn: z.string().trim().min(1).max(200).optional().openapi({ example: "Yongquan mandarin" }),
    category: Category.openapi({ example: "edible_agricultural" }),
    specification: z.string().trim().min(1).max(200).openapi({ example: "5 kg/箱" }),
    netWeightGrams: z.number().int().min(1).max(100_000_000).optional().openapi({ example: 5000 }),
    licences: z.array(LicenceInput).max(20).default([]).openapi({
      description:
        "Licence and approval numbers printed on the product; each category requires its own (food: SC, drug: 国药准字 approval number…)",
    }),
    shelfLifeDays: z
      .number()
      .int()
      .min(1)
      .max(36_500)
      .optional()
      .openapi({ description: "Lots default their expiry to production + this", example: 30 }),
    imageUrl: z
      .url({ protocol: /^https$/, hostname: z.regexes.domain })
      .max(2000)
      .optional()
      .openapi({ description: "An https URL", example: "https://img.example.cn/mandarin.jpg" }),
    originRegion: RegionCode.optional(),
    originPlace: z.string().trim().min(1).max(200).optional().openapi({ example: "涌泉镇梅岙村" }),
  })
  .openapi("RegisterProduct");

export const Origin = z
  .object({
    region: Region.nullable(),
    place: z.string().nullable(),
  })
  .openapi("Origin");

export const Product = z
  .object({
    gtin: z.string().openapi({ example: GTIN_EXAMPLE }),
    key: z.string().openapi({ example: `/01/${GTIN_EXAMPLE}` }),
    uri: z.string().openapi({ example: `https://zhuisu.example/01/${GTIN_EXAMPLE}` }),
    ownerOrgId: z.string(),
    nameZh: z.string(),
    nameEn: z.string().nullable(),
    category: Category,
    specification: z.string().nullable(),
    netWeightGrams: z.number().int().nullable(),
    licences: z.array(LicenceInput),
    shelfLifeDays: z.number().int().nullable(),
    imageUrl: z.string().nullable(),
    origin: Origin,
    createdAt: z.string(),
  })
  .openapi("Product");

export const ProductPage = pageOf(Product, "ProductPage");

export const GtinParam = z.object({
  gtin: z
    .string()
    .max(64)
    .openapi({ param: { name: "gtin", in: "path" }, example: GTIN_EXAMPLE }),
});
export const LotParams = GtinParam.extend({
  lot: z
    .string()
    .max(200)
    .openapi({ param: { name: "lot", in: "path" }, example: "2026060101" }),
});
export const ItemParams = GtinParam.extend({
  serial: z
    .string()
    .max(200)
    .openapi({ param: { name: "serial", in: "path" }, example: "Kq7ZmW3xRt9a" }),
});

export const CERTIFICATE_COMMITMENTS = [
  "no_banned_pesticides_or_vet_drugs",
  "no_illegal_additives",
  "withdrawal_periods_observed",
  "residues_within_limits",
] as const;
export const CERTIFICATE_BASES = [
  "commissioned_test",
  "self_test",
  "internal_control",
  "self_commitment",
] as const;

/**
 * 承诺达标合格证, the certificate that goes with edible farm produce: what it is, how much, who
 * grew it and where, how to reach them, when issued, what was promised and on what it rests.
 */
export const AgriCertificate = z
  .strictObject({
    productName: z.string().trim().min(1).max(200).openapi({ example: "涌泉蜜橘" }),
    quantityOrWeight: z.string().trim().min(1).max(100).openapi({ example: "500 kg" }),
    producerName: z.string().trim().min(1).max(200).openapi({ example: "临海市涌泉蜜橘合作社" }),
    origin: z.string().trim().min(1).max(300).openapi({ example: "浙江省台州市临海市涌泉镇" }),
    contact: z.string().trim().min(1).max(100).openapi({ example: "0576-85000000" }),
    issueDate: z.iso.date().openapi({ example: "2026-06-01" }),
    commitments: z
      .array(z.enum(CERTIFICATE_COMMITMENTS))
      .min(1)
      .max(CERTIFICATE_COMMITMENTS.length)
      .refine((list) => new Set(list).size === list.length, { message: "a commitment is repeated" })
      .openapi({
        description:
          "不使用禁用农药兽药、停用兽药 / 不使用非法添加物 / 遵守农药安全间隔期、兽药休药期 / 常规农药兽药残留不超标",
        example: ["no_banned_pesticides_or_vet_drugs", "residues_within_limits"],
      }),
    basis: z.enum(CERTIFICATE_BASES).openapi({
      description: "委托检测 / 自我检测 / 内部质量控制 / 自我承诺",
      example: "self_test",
    }),
  })
  .openapi("AgriCertificate");

export const LotOriginInput = z
  .object({
    region: RegionCode,
    place: z.string().trim().min(1).max(200).optional().openapi({ example: "梅岙村 3 号果园" }),
    latitude: z.number().min(-90).max(90).optional().openapi({ example: 28.86 }),
    longitude: z.number().min(-180).max(180).optional().openapi({ example: 121.13 }),
  })
  .openapi("LotOriginInput");

export const CreateLotBody = z
  .object({
    lot: LotInput,
    productionDate: z.iso.date().openapi({ example: "2026-06-01" }),
    expiryDate: z.iso
      .date()
      .optional()
      .openapi({ description: "Defaults to production + the product's shelf life" }),
    quantity: z.number().int().min(1).max(1_000_000_000).optional().openapi({ example: 2000 }),
    origin: LotOriginInput.optional().openapi({
      description: "Defaults to the product's origin",
    }),
    masterData: z
      .record(z.string(), z.unknown())
      .default({})
      .openapi({
        description:
          "Free JSON (at most 16 KB): ingredient lots, farm, feed or pesticide records. For edible agricultural products, `certificate` is the 承诺达标合格证 (see AgriCertificate).",
        example: {
          orchard: "梅岙村 3 号果园",
          pesticides: [{ name: "石硫合剂", appliedOn: "2026-04-02" }],
        },
      }),
  })
  .openapi("CreateLot");

export const Lot = z
  .object({
    gtin: z.string().openapi({ example: GTIN_EXAMPLE }),
    lot: z.string().openapi({ example: "2026060101" }),
    key: z.string().openapi({ example: `/01/${GTIN_EXAMPLE}/10/2026060101` }),
    uri: z.string(),
    productionDate: z.string().nullable(),
    expiryDate: z.string().nullable(),
    quantity: z.number().int().nullable(),
    origin: Origin.extend({
      latitude: z.number().nullable(),
      longitude: z.number().nullable(),
    }),
    masterData: z.record(z.string(), z.unknown()),
    nonConforming: z.boolean(),
    recalled: z.boolean(),
    itemCount: z.number().int(),
    createdAt: z.string(),
  })
  .openapi("Lot");

export type RegisterProductInput = z.infer<typeof RegisterProductBody>;
export type CreateLotInput = z.infer<typeof CreateLotBody>;
export type ProductView = z.infer<typeof Product>;
export type LotView = z.infer<typeof Lot>;
