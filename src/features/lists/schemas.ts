// Wire schemas of red and black lists and credit repair.
import { z } from "@hono/zod-openapi";
import { LISTS, REPAIR_STATUSES, SEVERITIES } from "../../db/schema";
import { PageQuery, pageOf } from "../../lib/pagination";
import { Region } from "../orgs/schemas";

export const ListName = z.enum(LISTS).openapi("ListName");
export const Severity = z.enum(SEVERITIES).openapi("ListSeverity");

const text = (max: number) => z.string().trim().min(2).max(max);

export const CreateListEntryBody = z
  .object({
    orgId: z.string().min(1).max(64),
    list: ListName,
    reason: text(2000).openapi({ example: "组织虚假交易（刷单炒信），情节严重" }),
    legalBasis: text(1000).openapi({ example: "《中华人民共和国电子商务法》第十七条" }),
    authority: text(200).openapi({ example: "台州市市场监督管理局" }),
    severity: Severity.openapi({
      description:
        "black list: minor ≤ 3 months, general 3 months-1 year, serious 1-3 years of publication; red list: 1 year",
    }),
    listedOn: z.iso.date().openapi({ description: "date of the decision; not in the future" }),
    appeal: text(2000).optional().openapi({
      description: "how and by when to appeal; a default naming the dates is published otherwise",
    }),
  })
  .openapi("CreateListEntry");

export const ListOrg = z
  .object({ id: z.string(), nameZh: z.string(), uscc: z.string().nullable(), region: Region })
  .openapi("ListedOrg");

export const RepairView = z
  .object({
    id: z.string(),
    entryId: z.string(),
    orgId: z.string(),
    statement: z.string(),
    proof: z.array(z.string()),
    status: z.enum(REPAIR_STATUSES),
    requestedAt: z.string(),
    decisionReason: z.string().nullable(),
    decidedByOrgId: z.string().nullable(),
    decidedAt: z.string().nullable(),
  })
  .openapi("CreditRepair");

export const ListEntryView = z
  .object({
    id: z.string(),
    list: ListName,
    org: ListOrg,
    reason: z.string(),
    legalBasis: z.string(),
    authority: z.string(),
    severity: Severity,
    listedOn: z.string(),
    minPublishUntil: z
      .string()
      .openapi({ description: "credit repair may be requested from this date" }),
    maxPublishUntil: z.string().openapi({ description: "publication ends by itself on this date" }),
    appeal: z.string().nullable(),
    published: z.boolean(),
    removal: z
      .object({ at: z.string(), reason: z.string(), authority: z.string().nullable() })
      .nullable(),
    repairs: z
      .array(RepairView)
      .optional()
      .openapi({ description: "repair requests; shown to the listed organisation and regulators" }),
  })
  .openapi("ListEntry");

export const ListEntryPage = pageOf(ListEntryView, "ListEntryPage");
export const RepairPage = pageOf(RepairView, "CreditRepairPage");

export const ListQuery = PageQuery.extend({
  list: ListName.optional(),
  region: z
    .string()
    .regex(/^\d{2,6}$/)
    .optional()
    .openapi({ description: "GB/T 2260 code or its leading digits (33 = Zhejiang)" }),
});

export const RepairQuery = PageQuery.extend({ status: z.enum(REPAIR_STATUSES).optional() });

export const EntryIdParam = z.object({ id: z.string().min(1).max(64) });

export const RepairRequestBody = z
  .object({
    statement: text(4000).openapi({ example: "已停止违法行为，完成整改并缴清罚款" }),
    proof: z.array(z.string().trim().min(1).max(500)).max(20).default([]),
  })
  .openapi("CreditRepairRequest");

export const RepairDecisionBody = z
  .object({
    decision: z.enum(["granted", "rejected"]),
    reason: text(2000),
    authority: text(200).optional().openapi({ description: "defaults to the regulator's name" }),
  })
  .openapi("CreditRepairDecision");

export const RemovalBody = z
  .object({ reason: text(2000), authority: text(200).optional() })
  .openapi("ListRemoval");
