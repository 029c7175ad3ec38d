// Wire schemas of organisations, API keys and credit commitments.
import { z } from "@hono/zod-openapi";
import { LICENCE_KINDS } from "../../codes/licences";
import { ORG_STATUSES, ROLES } from "../../db/schema";
import { pageOf } from "../../lib/pagination";

export const Role = z.enum(ROLES).openapi("Role");
export const OrgStatus = z.enum(ORG_STATUSES).openapi("OrgStatus");

export const LicenceInput = z
  .object({
    kind: z.enum(LICENCE_KINDS as [string, ...string[]]).openapi({ example: "food_production_sc" }),
    number: z.string().trim().min(1).max(64).openapi({ example: "SC10633100200017" }),
    issuer: z.string().trim().max(200).optional(),
    validUntil: z.iso.date().optional(),
  })
  .openapi("Licence");

export const RegisterOrgBody = z
  .object({
    kind: z.enum(["enterprise", "natural_person"]).default("enterprise"),
    nameZh: z.string().trim().min(1).max(200).openapi({ example: "台州市黄岩蜜橘专业合作社" }),
    nameEn: z.string().trim().min(1).max(200).optional(),
    uscc: z
      .string()
      .trim()
      .max(18 * 4)
      .optional()
      .openapi({
        description: "统一社会信用代码; required for enterprises",
        example: "93331003MA2K8XXXXX",
      }),
    residentId: z
      .string()
      .trim()
      .max(18 * 4)
      .optional()
      .openapi({
        description:
          "居民身份证号码 of a natural-person seller; kept only as a keyed hash and its last 4",
      }),
    roles: z.array(Role).min(1).max(5),
    regionCode: z
      .string()
      .trim()
      .max(12)
      .openapi({ description: "GB/T 2260 code", example: "331003" }),
    jurisdiction: z.string().trim().max(12).optional().openapi({
      description:
        "regulators only, and required for them: the GB/T 2260 region they regulate (a county, a prefecture such as 331000 台州市, a province) or 000000 for the whole country; inside the registering regulator's own",
      example: "331000",
    }),
    address: z.string().trim().max(500).optional(),
    contactPhone: z.string().trim().max(40).optional(),
    contactEmail: z.email().max(200).optional(),
    licences: z.array(LicenceInput).max(50).default([]),
  })
  .openapi("RegisterOrg");

export const Region = z
  .object({ code: z.string(), names: z.array(z.string()), retired: z.boolean() })
  .openapi("Region");

export const Jurisdiction = z
  .object({
    code: z.string().openapi({ example: "331000" }),
    names: z.array(z.string()).openapi({ example: ["浙江省", "台州市"] }),
  })
  .openapi("Jurisdiction");

export const CommitmentBody = z
  .object({
    quality: z
      .string()
      .trim()
      .min(1)
      .max(2000)
      .openapi({ example: "所售商品均来自正规渠道，质量符合国家标准" }),
    priceHonesty: z.string().trim().min(1).max(2000).openapi({ example: "明码标价，不虚构原价" }),
    logistics: z
      .string()
      .trim()
      .min(1)
      .max(2000)
      .openapi({ example: "48小时内发货，如实填写物流信息" }),
    afterSales: z.object({
      noReasonReturnDays: z.number().int().min(0).max(365).openapi({ example: 7 }),
      firstCompensation: z.boolean().openapi({ description: "先行赔付" }),
      responseHours: z.number().int().min(1).max(720).openapi({ example: 24 }),
      text: z.string().trim().max(2000).optional(),
    }),
    extra: z.string().trim().max(4000).optional(),
  })
  .openapi("CommitmentBody");

export const Commitment = z
  .object({
    id: z.string(),
    version: z.number().int(),
    body: CommitmentBody,
    publishedAt: z.string(),
    current: z.boolean(),
  })
  .openapi("Commitment");

export const CreditSummary = z
  .object({
    score: z.number().nullable(),
    grade: z.enum(["A", "B", "C", "D", "M"]).nullable(),
    computedAt: z.string().nullable(),
  })
  .openapi("CreditSummary");

export const ListBadge = z
  .object({
    id: z.string(),
    list: z.enum(["red", "black"]),
    reason: z.string(),
    authority: z.string(),
    severity: z.string(),
    listedOn: z.string(),
    maxPublishUntil: z.string(),
  })
  .openapi("ListBadge");

export const PublicOrg = z
  .object({
    id: z.string(),
    kind: z.enum(["enterprise", "natural_person"]),
    nameZh: z.string(),
    nameEn: z.string().nullable(),
    uscc: z.string().nullable(),
    personIdMasked: z
      .string()
      .nullable()
      .openapi({ description: "natural persons: only the last 4 characters" }),
    roles: z.array(Role),
    status: OrgStatus,
    verified: z.boolean(),
    region: Region,
    jurisdiction: Jurisdiction.nullable().openapi({
      description:
        "a regulator's jurisdiction: what its queues and actions cover; null for other organisations",
    }),
    licences: z.array(LicenceInput),
    commitment: Commitment.nullable(),
    credit: CreditSummary,
    lists: z.array(ListBadge),
  })
  .openapi("PublicOrg");

export const PrivateOrg = PublicOrg.extend({
  address: z.string().nullable(),
  contactPhone: z.string().nullable(),
  contactEmail: z.string().nullable(),
  statusReason: z.string().nullable(),
  createdAt: z.string(),
}).openapi("PrivateOrg");

export const IssuedKey = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    key: z.string().openapi({ description: "shown once; store it now" }),
    createdAt: z.string(),
  })
  .openapi("IssuedKey");

export const KeyInfo = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
  })
  .openapi("KeyInfo");

export const Registered = z
  .object({ org: PrivateOrg, apiKey: IssuedKey, notice: z.string().nullable() })
  .openapi("Registered");

export const StatusChangeBody = z
  .object({
    status: z.enum(["verified", "rejected", "suspended", "pending"]),
    reason: z.string().trim().min(2).max(2000),
  })
  .openapi("StatusChange");

export const StatusChange = z
  .object({
    fromStatus: OrgStatus.nullable(),
    toStatus: OrgStatus,
    reason: z.string(),
    actorOrgId: z.string().nullable(),
    at: z.string(),
  })
  .openapi("StatusHistoryEntry");

export const OrgPage = pageOf(PublicOrg, "OrgPage");
export const OrgIdParam = z.object({ id: z.string().min(1).max(64) });

export const NewKeyBody = z.object({ name: z.string().trim().min(1).max(100) }).openapi("NewKey");
