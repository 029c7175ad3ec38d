// Review and complaint routes: consumers write with a receipt code (or anonymously, for complaints); anyone reads.
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../lib/context";
import { PageQuery } from "../../lib/pagination";
import {
  body,
  conflictResponse,
  createRouter,
  errorResponses,
  json,
  notFoundResponse,
  problemResponseSpec,
} from "../../lib/router";
import { gtinParam } from "../products/edge";
import { limitClient } from "../scans/fingerprint";
import { fileComplaint } from "./complaints";
import { listProductReviews, reviewSummary } from "./read";
import { receiptConfirmGuard } from "./receipt-guard";
import { ComplaintBody, ComplaintReceipt, FollowUpBody, ReviewBody, ReviewPage } from "./schemas";
import { type FeedbackContext, type StoredReview, submitFollowUp, submitReview } from "./service";

const tags = ["Consumer feedback"];
const rateLimitedResponse = {
  429: problemResponseSpec(
    "Too many requests from this client, or too many wrong receipt codes for this item (Retry-After says when to try again)",
  ),
} as const;

const Stored = z
  .object({
    id: z.string(),
    kind: z.enum(["review", "follow_up"]),
    rating: z.number().int().nullable(),
    eventId: z.number().int(),
    createdAt: z.string(),
  })
  .openapi("ReviewStored");

export const submitReviewRoute = createRoute({
  method: "post",
  path: "/v1/reviews",
  operationId: "submitReview",
  summary:
    "A buyer reviews a delivered item with the receipt code of its sale (1-5 stars and text)",
  description:
    "One review per receipt, after delivery (the carrier's sign-off or the buyer's confirmation). The text is plain (no markup), at most 500 characters. Recorded in the ledger as an ObjectEvent OBSERVE with bizStep `https://ns.zhuisu.org/epcis#review` (rating and a hash of the text). Five wrong receipt codes for one item within 15 minutes lock the item for 15 minutes (429).",
  tags,
  security: [],
  request: { body: body(ReviewBody) },
  responses: {
    201: json(Stored, "Stored and recorded in the ledger"),
    ...notFoundResponse,
    ...conflictResponse,
    ...rateLimitedResponse,
    ...errorResponses,
  },
});

export const submitFollowUpRoute = createRoute({
  method: "post",
  path: "/v1/reviews/follow-ups",
  operationId: "submitReviewFollowUp",
  summary: "A buyer adds the one follow-up (追加评价) to their review, with the same receipt code",
  tags,
  security: [],
  request: { body: body(FollowUpBody) },
  responses: {
    201: json(Stored, "Stored and recorded in the ledger"),
    ...notFoundResponse,
    ...conflictResponse,
    ...rateLimitedResponse,
    ...errorResponses,
  },
});

export const fileComplaintRoute = createRoute({
  method: "post",
  path: "/v1/complaints",
  operationId: "fileComplaint",
  summary:
    "Complain about an item or a seller: with a receipt code to the seller, without as an anonymous report",
  description:
    "With `item` and `receiptCode` the complaint goes to the seller of that sale. Without a receipt it is an anonymous report (`routedTo: regulator`) that a regulator triages; `item` may then be a code that is not registered (a counterfeit report). Naming one of the seller's published commitments (`commitmentId`) raises a `commitment_violation` alert. The ledger records the category only: never the text or the contact. Limited to 5 an hour per client.",
  tags,
  security: [],
  request: { body: body(ComplaintBody) },
  responses: {
    201: json(ComplaintReceipt, "Filed"),
    ...notFoundResponse,
    ...rateLimitedResponse,
    ...errorResponses,
  },
});

export const listReviewsRoute = createRoute({
  method: "get",
  path: "/v1/products/{gtin}/reviews",
  operationId: "listProductReviews",
  summary:
    "Verified reviews of a product, newest first (hidden ones left out), with the mean rating",
  tags,
  security: [],
  request: {
    params: z.object({ gtin: z.string().min(1).max(20).openapi({ example: "06901234567892" }) }),
    query: PageQuery,
  },
  responses: {
    200: json(ReviewPage, "A page of reviews"),
    ...rateLimitedResponse,
    ...errorResponses,
  },
});

export async function feedbackContext(
  c: Context<AppEnv>,
  bucket: "write" | "complaint",
): Promise<FeedbackContext> {
  const fingerprint = await limitClient(c, bucket);
  const { clock, secrets } = c.var.deps;
  return { clock, hashSecret: secrets.hashSecret, fingerprint };
}

const storedView = (r: StoredReview) => ({
  id: r.id,
  kind: r.kind,
  rating: r.rating,
  eventId: r.eventId,
  createdAt: r.createdAt.toISOString(),
});

export const feedbackRoutes = createRouter();
// Lockout and per-client limit in front of the events feature's receipt confirmation.
feedbackRoutes.use("/v1/receipts/confirm", receiptConfirmGuard);
feedbackRoutes
  .openapi(submitReviewRoute, async (c) => {
    const input = c.req.valid("json");
    const ctx = await feedbackContext(c, "write");
    return c.json(storedView(await submitReview(c.var.deps.db, ctx, input)), 201);
  })
  .openapi(submitFollowUpRoute, async (c) => {
    const input = c.req.valid("json");
    const ctx = await feedbackContext(c, "write");
    return c.json(storedView(await submitFollowUp(c.var.deps.db, ctx, input)), 201);
  })
  .openapi(fileComplaintRoute, async (c) => {
    const input = c.req.valid("json");
    const ctx = await feedbackContext(c, "complaint");
    return c.json(await fileComplaint(c.var.deps.db, ctx, input), 201);
  })
  .openapi(listReviewsRoute, async (c) => {
    await limitClient(c, "scan");
    const gtin = gtinParam(c.req.valid("param").gtin);
    const { db } = c.var.deps;
    const [page, summary] = await Promise.all([
      listProductReviews(db, gtin, c.req.valid("query")),
      reviewSummary(db, gtin),
    ]);
    return c.json({ ...page, summary }, 200);
  });
