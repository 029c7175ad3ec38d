// Consumer write routes in the authorisation matrix: public, the receipt code is the credential.
import { randomString } from "../../../src/lib/random";
import { seedStory } from "../../browser/scenario";
import type { MatrixRow } from "../matrix";

/** Each request from its own client, so the per-client limits are not what is tested here. */
const ownClient = () => ({
  "X-Forwarded-For": `192.0.2.${Math.floor(Math.random() * 250) + 1}`,
  "User-Agent": `authz/${randomString(8)}`,
});

export const rows: MatrixRow[] = [
  {
    operationId: "submitReview",
    request: async (ctx) => {
      const story = await seedStory(ctx.t, ctx.cast, { count: 1 });
      return {
        method: "POST",
        path: "/v1/reviews",
        json: { item: story.item, receiptCode: story.receiptCode, rating: 5, text: "好" },
        headers: ownClient(),
      };
    },
    // An API key neither helps nor hurts: the receipt code of a delivered sale is what counts.
    expect: { others: 201 },
  },
  {
    operationId: "submitReviewFollowUp",
    request: async (ctx) => {
      const story = await seedStory(ctx.t, ctx.cast, { count: 1 });
      await ctx.t.request("POST", "/v1/reviews", {
        json: { item: story.item, receiptCode: story.receiptCode, rating: 4, text: "好" },
        headers: ownClient(),
      });
      return {
        method: "POST",
        path: "/v1/reviews/follow-ups",
        json: { item: story.item, receiptCode: story.receiptCode, text: "追加" },
        headers: ownClient(),
      };
    },
    expect: { others: 201 },
  },
  {
    operationId: "fileComplaint",
    request: () => ({
      method: "POST",
      path: "/v1/complaints",
      json: { category: "other", text: "匿名举报" },
      headers: ownClient(),
    }),
    // Anyone may report; without a receipt it goes to a regulator.
    expect: { others: 201 },
  },
];
