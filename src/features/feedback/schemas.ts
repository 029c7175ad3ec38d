// Wire schemas of reviews and complaints; the page forms validate with the same ones.
import { z } from "@hono/zod-openapi";

export const REVIEW_MAX_CHARS = 500;
export const COMPLAINT_MAX_CHARS = 2000;
export const CONTACT_MAX_CHARS = 100;

/** Reviews and complaints are plain text: markup is refused, not silently stripped. */
const MARKUP = /<\s*[/!?a-z]/i;
// Control characters other than tab and line breaks have no place in a review.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

const plainText = (max: number, example: string) =>
  z
    .string()
    .trim()
    .min(1, "write something")
    .max(max, `at most ${max} characters`)
    .refine((s) => !MARKUP.test(s), "plain text only: remove the HTML or script tags")
    .refine((s) => !CONTROL.test(s), "contains control characters")
    .openapi({ example });

const itemCode = z.string().trim().min(1).max(512).openapi({
  description: "the item's code in any form (Digital Link, element string)",
  example: "/01/06901234567892/21/Kf3x9QmT7pLw",
});
const receiptCode = z.string().trim().min(4).max(40).openapi({
  description: "the receipt code the seller gave with the sale",
  example: "7KQ2M9XH4CJP",
});

export const ReviewBody = z
  .object({
    item: itemCode,
    receiptCode,
    rating: z.coerce.number().int("whole stars").min(1, "1 to 5 stars").max(5, "1 to 5 stars"),
    text: plainText(REVIEW_MAX_CHARS, "橘子很甜，包装完好"),
  })
  .openapi("ReviewSubmission");

export const FollowUpBody = z
  .object({
    item: itemCode,
    receiptCode,
    text: plainText(REVIEW_MAX_CHARS, "吃了一周，依然新鲜"),
  })
  .openapi("ReviewFollowUpSubmission");

export const COMPLAINT_CATEGORIES = [
  "quality",
  "counterfeit",
  "not_as_described",
  "expired",
  "safety",
  "delivery",
  "after_sales",
  "price",
  "other",
] as const;
export type ComplaintCategory = (typeof COMPLAINT_CATEGORIES)[number];

export const ComplaintBody = z
  .object({
    item: itemCode.optional(),
    receiptCode: receiptCode.optional(),
    sellerOrgId: z.string().trim().min(1).max(64).optional(),
    category: z.enum(COMPLAINT_CATEGORIES),
    text: plainText(COMPLAINT_MAX_CHARS, "收到的橘子有一半已经腐烂"),
    contact: z
      .string()
      .trim()
      .max(CONTACT_MAX_CHARS, `at most ${CONTACT_MAX_CHARS} characters`)
      .refine((s) => !MARKUP.test(s) && !CONTROL.test(s), "plain text only")
      .optional()
      .openapi({ description: "phone or e-mail, seen only by the seller and regulators" }),
    commitmentId: z.string().trim().min(1).max(64).optional(),
  })
  .openapi("ComplaintSubmission");

export const ReviewView = z
  .object({
    id: z.string(),
    kind: z.enum(["review", "follow_up"]),
    rating: z.number().int().nullable(),
    text: z.string(),
    createdAt: z.string(),
    verifiedPurchase: z.literal(true),
    seller: z.object({ id: z.string(), nameZh: z.string() }),
    sellerReply: z.string().nullable(),
    eventId: z.number().int().nullable(),
  })
  .openapi("Review");

export const ReviewSummary = z
  .object({
    count: z.number().int(),
    average: z.number().nullable().openapi({ description: "mean stars, one decimal" }),
  })
  .openapi("ReviewSummary");

export const ReviewPage = z
  .object({ items: z.array(ReviewView), next: z.string().nullable(), summary: ReviewSummary })
  .openapi("ReviewPage");

export const ComplaintReceipt = z
  .object({
    id: z.string(),
    status: z.literal("open"),
    category: z.enum(COMPLAINT_CATEGORIES),
    routedTo: z.enum(["seller", "regulator"]).openapi({
      description: "seller: with a receipt code; regulator: an anonymous report to triage",
    }),
    sellerOrgId: z.string().nullable(),
    itemKey: z.string().nullable(),
    eventId: z.number().int().nullable(),
    createdAt: z.string(),
  })
  .openapi("ComplaintFiled");

export type ReviewInput = z.infer<typeof ReviewBody>;
export type FollowUpInput = z.infer<typeof FollowUpBody>;
export type ComplaintInput = z.infer<typeof ComplaintBody>;
export type ReviewViewT = z.infer<typeof ReviewView>;
