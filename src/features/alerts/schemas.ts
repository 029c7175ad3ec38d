// Wire schemas of the alert queue.
import { z } from "@hono/zod-openapi";
import { ALERT_KINDS, ALERT_SEVERITIES, ALERT_STATUSES } from "../../db/schema";
import { PageQuery, pageOf } from "../../lib/pagination";

export const AlertKind = z.enum(ALERT_KINDS).openapi("AlertKind");
export const AlertSeverity = z.enum(ALERT_SEVERITIES).openapi("AlertSeverity");
export const AlertStatus = z.enum(ALERT_STATUSES).openapi("AlertStatus");

export const AlertView = z
  .object({
    id: z.string(),
    kind: AlertKind,
    severity: AlertSeverity,
    status: AlertStatus,
    subjectKey: z
      .string()
      .openapi({ description: "an item, lot or product key, or an organisation id" }),
    orgId: z.string().nullable().openapi({ description: "the organisation concerned" }),
    evidence: z
      .array(z.number().int())
      .openapi({ description: "ids of the ledger events behind it" }),
    details: z.record(z.string(), z.unknown()),
    assignedToOrgId: z.string().nullable(),
    assignedAt: z.string().nullable(),
    decision: z
      .object({
        status: z.enum(["confirmed", "dismissed"]),
        reason: z.string(),
        decidedByOrgId: z.string(),
        decidedAt: z.string(),
      })
      .nullable(),
    response: z.object({ text: z.string(), at: z.string() }).nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Alert");

export const AlertPage = pageOf(AlertView, "AlertPage");

export const AlertQuery = PageQuery.extend({
  kind: AlertKind.optional(),
  status: AlertStatus.optional(),
  severity: AlertSeverity.optional(),
  orgId: z.string().max(64).optional().openapi({ description: "the organisation concerned" }),
  assignedTo: z.string().max(64).optional(),
  region: z
    .string()
    .regex(/^\d{6}$/)
    .optional()
    .openapi({
      description:
        "GB/T 2260 code: alerts about organisations registered inside it (331000: all of 台州)",
      example: "331000",
    }),
  createdBefore: z.iso.datetime({ offset: true }).optional().openapi({
    description: "raised before this time: the queue's old alerts first to hand",
  }),
});

export const AlertIdParam = z.object({ id: z.string().min(1).max(64) });

const reason = z.string().trim().min(2).max(2000);

export const AlertDecisionBody = z
  .object({ status: z.enum(["confirmed", "dismissed"]), reason })
  .openapi("AlertDecision");

export const AlertAssignBody = z
  .object({
    orgId: z.string().min(1).max(64).openapi({ description: "a verified inspector or regulator" }),
  })
  .openapi("AlertAssignment");

export const AlertResponseBody = z
  .object({ text: z.string().trim().min(2).max(4000) })
  .openapi("AlertResponse");

export const PeriodicRun = z
  .object({
    ranAt: z.string(),
    raised: z.record(z.string(), z.number().int()),
  })
  .openapi("AlertRuleRun");
