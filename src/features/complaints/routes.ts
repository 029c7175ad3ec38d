// Complaint handling routes (seller answers, regulator decides) and review moderation (hide, never delete).
import { createRoute } from "@hono/zod-openapi";
import { requireCaller, requireWriter } from "../../lib/auth";
import {
  authErrorResponses,
  body,
  conflictResponse,
  createRouter,
  errorResponses,
  json,
  notFoundResponse,
} from "../../lib/router";
import { creditChanged } from "../credit/summaries";
import {
  AnswerBody,
  ComplaintDecisionBody,
  ComplaintIdParam,
  ComplaintPage,
  ComplaintQuery,
  ComplaintView,
  HideReviewBody,
  ModeratedReview,
} from "./schemas";
import {
  answerComplaint,
  complaintView,
  decideComplaint,
  getComplaint,
  hideReview,
  listComplaints,
  moderatedView,
} from "./service";

const tags = ["Complaints"];
const writeResponses = {
  ...authErrorResponses,
  ...notFoundResponse,
  ...conflictResponse,
  ...errorResponses,
};

export const listComplaintsRoute = createRoute({
  method: "get",
  path: "/v1/complaints",
  operationId: "listComplaints",
  summary: "Complaints to handle: a seller's own, or every one for regulators (newest first)",
  tags,
  request: { query: ComplaintQuery },
  responses: {
    200: json(ComplaintPage, "A page of complaints"),
    ...authErrorResponses,
    ...errorResponses,
  },
});

export const getComplaintRoute = createRoute({
  method: "get",
  path: "/v1/complaints/{id}",
  operationId: "getComplaint",
  summary:
    "One complaint with its answer, time to answer and decision (the seller concerned, regulators)",
  tags,
  request: { params: ComplaintIdParam },
  responses: {
    200: json(ComplaintView, "The complaint"),
    ...authErrorResponses,
    ...notFoundResponse,
    ...errorResponses,
  },
});

export const answerComplaintRoute = createRoute({
  method: "post",
  path: "/v1/complaints/{id}/answer",
  operationId: "answerComplaint",
  summary: "The seller concerned answers a complaint (once; the time to answer is measured)",
  tags,
  request: { params: ComplaintIdParam, body: body(AnswerBody) },
  responses: { 200: json(ComplaintView, "The answered complaint"), ...writeResponses },
});

export const decideComplaintRoute = createRoute({
  method: "post",
  path: "/v1/complaints/{id}/decision",
  operationId: "decideComplaint",
  summary: "Uphold or reject a complaint with the reason (regulator; once)",
  description:
    "An upheld complaint counts against the seller's credit; one naming a broken commitment also confirms the commitment-violation alert about it.",
  tags,
  request: { params: ComplaintIdParam, body: body(ComplaintDecisionBody) },
  responses: { 200: json(ComplaintView, "The decided complaint"), ...writeResponses },
});

export const hideReviewRoute = createRoute({
  method: "post",
  path: "/v1/reviews/{id}/hide",
  operationId: "hideReview",
  summary: "Hide a review, with the reason kept (regulator); reviews are never deleted",
  description: "A hidden review no longer counts towards the seller's credit.",
  tags: ["Reviews"],
  request: { params: ComplaintIdParam, body: body(HideReviewBody) },
  responses: { 200: json(ModeratedReview, "The review's moderation state"), ...writeResponses },
});

export const complaintRoutes = createRouter()
  .openapi(listComplaintsRoute, async (c) => {
    const caller = await requireCaller(c);
    return c.json(await listComplaints(c.var.deps.db, caller.org, c.req.valid("query")), 200);
  })
  .openapi(getComplaintRoute, async (c) => {
    const caller = await requireCaller(c);
    const row = await getComplaint(c.var.deps.db, caller.org, c.req.valid("param").id);
    return c.json(complaintView(row), 200);
  })
  .openapi(answerComplaintRoute, async (c) => {
    // The seller concerned answers for itself even when suspended: only its key is needed.
    const caller = await requireCaller(c);
    const { db, clock } = c.var.deps;
    const row = await answerComplaint(
      db,
      clock,
      caller.org,
      c.req.valid("param").id,
      c.req.valid("json").text,
    );
    return c.json(complaintView(row), 200);
  })
  .openapi(decideComplaintRoute, async (c) => {
    const caller = await requireWriter(c, "regulator");
    const { db, clock } = c.var.deps;
    const row = await decideComplaint(
      db,
      clock,
      caller.org,
      c.req.valid("param").id,
      c.req.valid("json"),
    );
    if (row.sellerOrgId) await creditChanged(c.var.deps, [row.sellerOrgId]);
    return c.json(complaintView(row), 200);
  })
  .openapi(hideReviewRoute, async (c) => {
    const caller = await requireWriter(c, "regulator");
    const { db, clock } = c.var.deps;
    const row = await hideReview(
      db,
      clock,
      caller.org,
      c.req.valid("param").id,
      c.req.valid("json").reason,
    );
    return c.json(moderatedView(row), 200);
  });
