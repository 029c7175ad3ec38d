// Wire schemas of complaint handling (answers, decisions) and review moderation.
import { z } from "@hono/zod-openapi";
import { COMPLAINT_STATUSES } from "../../db/schema";
import { PageQuery, pageOf } from "../../lib/pagination";

export const ComplaintStatus = z.enum(COMPLAINT_STATUSES).openapi("ComplaintStatus");

export const ComplaintView = z
  .object({
    id: z.string(),
    /** True when filed with a receipt code (a buyer of the item); false for an anonymous report. */
    withReceipt: z.boolean(),
    itemKey: z.string().nullable(),
    gtin: z.string().nullable(),
    sellerOrgId: z.string().nullable(),
    category: z.string(),
    text: z.string(),
    contact: z
      .string()
      .nullable()
      .openapi({ description: "private: the seller and regulators only" }),
    commitmentId: z.string().nullable(),
    status: ComplaintStatus,
    answer: z.object({ text: z.string(), at: z.string() }).nullable(),
    timeToAnswerHours: z
      .number()
      .nullable()
      .openapi({ description: "hours from filing to the seller's first answer" }),
    decision: z
      .object({
        status: z.enum(["upheld", "rejected"]),
        reason: z.string(),
        decidedByOrgId: z.string(),
        decidedAt: z.string(),
      })
      .nullable(),
    eventId: z.number().int().nullable(),
    createdAt: z.string(),
  })
  .openapi("HandledComplaint");

export const ComplaintPage = pageOf(ComplaintView, "HandledComplaintPage");

export const ComplaintQuery = PageQuery.extend({
  status: ComplaintStatus.optional(),
  sellerOrgId: z.string().max(64).optional(),
  anonymous: z.enum(["true", "false"]).optional().openapi({
    description: "true: only anonymous reports; false: only complaints with a receipt",
  }),
});

export const ComplaintIdParam = z.object({ id: z.string().min(1).max(64) });

const reason = z.string().trim().min(2).max(4000);

export const AnswerBody = z.object({ text: reason }).openapi("ComplaintAnswer");

export const ComplaintDecisionBody = z
  .object({ decision: z.enum(["upheld", "rejected"]), reason })
  .openapi("ComplaintDecision");

export const HideReviewBody = z.object({ reason }).openapi("ReviewHiding");

export const ModeratedReview = z
  .object({
    id: z.string(),
    sellerOrgId: z.string(),
    hidden: z.boolean(),
    hiddenReason: z.string().nullable(),
    hiddenByOrgId: z.string().nullable(),
    hiddenAt: z.string().nullable(),
  })
  .openapi("ModeratedReview");
