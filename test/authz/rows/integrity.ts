// Integrity write routes in the authorisation matrix: alerts, thresholds, lists and repair, complaints, review moderation.
import { eq } from "drizzle-orm";
import { onTestFinished } from "vitest";
import { alerts, complaints, events, listEntries, receipts, reviews } from "../../../src/db/schema";
import { raiseAlert } from "../../../src/features/alerts/raise";
import { addMonths } from "../../../src/features/lists/periods";
import { randomString } from "../../../src/lib/random";
import type { TestApp } from "../../app";
import { makeOrg } from "../../factories";
import { seedLot } from "../../seed";
import type { MatrixRow } from "../matrix";

const uid = () => randomString(12, "abcdefghijkmnpqrstuvwxyz23456789");

/** A fresh open alert about `orgId`. */
async function alertAbout(t: TestApp, orgId: string): Promise<string> {
  const subjectKey = `/01/06901234567892/21/A${uid()}`;
  await raiseAlert(t.db, t.clock.now(), {
    kind: "empty_parcel",
    severity: "medium",
    subjectKey,
    orgId,
    evidence: [],
    details: {},
  });
  const [row] = await t.db
    .select({ id: alerts.id })
    .from(alerts)
    .where(eq(alerts.subjectKey, subjectKey));
  return row!.id;
}

/** A published black-list entry of `orgId`, past its minimum period; `minor` ends soonest. */
async function blackEntry(t: TestApp, orgId: string, regulatorId: string): Promise<string> {
  const today = t.clock.now().toISOString().slice(0, 10);
  const listedOn = addMonths(today, -4);
  const id = `lst_${uid()}`;
  await t.db.insert(listEntries).values({
    id,
    orgId,
    list: "black",
    reason: "刷单炒信",
    legalBasis: "电子商务法第十七条",
    authority: "台州市市场监督管理局",
    severity: "general",
    listedOn,
    minPublishUntil: addMonths(listedOn, 3),
    maxPublishUntil: addMonths(listedOn, 12),
    decidedByOrgId: regulatorId,
    createdAt: t.clock.now(),
  });
  return id;
}

const complaintOf = async (t: TestApp, sellerOrgId: string | null) => {
  const id = `cpl_${uid()}`;
  await t.db.insert(complaints).values({
    id,
    sellerOrgId,
    category: "quality",
    text: "与描述不符",
    createdAt: t.clock.now(),
  });
  return id;
};

export const rows: MatrixRow[] = [
  {
    operationId: "updateAlertThresholds",
    // Writing the defaults back leaves the shared database as it was for the other rows.
    request: () => ({ method: "PUT", path: "/v1/alerts/thresholds", json: {} }),
    expect: { none: 401, regulator: 200, others: 403 },
  },
  {
    operationId: "runAlertRules",
    request: () => ({ method: "POST", path: "/v1/alerts/run" }),
    expect: { none: 401, regulator: 200, others: 403 },
  },
  {
    operationId: "decideAlert",
    request: async ({ t }) => {
      const other = await makeOrg(t, ["seller"]);
      return {
        method: "POST",
        path: `/v1/alerts/${await alertAbout(t, other.org.id)}/decision`,
        json: { status: "dismissed", reason: "误报" },
      };
    },
    expect: { none: 401, inspector: 200, regulator: 200, others: 403 },
  },
  {
    operationId: "assignAlert",
    request: async ({ t, cast }) => {
      const other = await makeOrg(t, ["seller"]);
      return {
        method: "POST",
        path: `/v1/alerts/${await alertAbout(t, other.org.id)}/assign`,
        json: { orgId: cast.inspector.org.id },
      };
    },
    expect: { none: 401, inspector: 200, regulator: 200, others: 403 },
  },
  {
    operationId: "respondToAlert",
    request: async ({ t, cast }) => ({
      method: "POST",
      path: `/v1/alerts/${await alertAbout(t, cast.seller.org.id)}/response`,
      json: { text: "包裹为电子券" },
    }),
    // Only the organisation concerned answers; the queue's workers see it but may not answer for it.
    expect: { none: 401, seller: 200, inspector: 403, regulator: 403, others: 404 },
  },
  {
    operationId: "createListEntry",
    request: async ({ t }) => {
      const target = await makeOrg(t, ["seller"]);
      return {
        method: "POST",
        path: "/v1/lists",
        json: {
          orgId: target.org.id,
          list: "black",
          reason: "刷单炒信",
          legalBasis: "电子商务法第十七条",
          authority: "台州市市场监督管理局",
          severity: "general",
          listedOn: t.clock.now().toISOString().slice(0, 10),
        },
      };
    },
    expect: { none: 401, regulator: 201, others: 403 },
  },
  {
    operationId: "requestListRepair",
    label: "own entry",
    request: async ({ t, cast, caller }) => {
      const listed = caller ?? cast.seller;
      const id = await blackEntry(t, listed.org.id, cast.regulator.org.id);
      // The cast is shared by every row: its entry ends with this cell.
      onTestFinished(async () => {
        await t.db
          .update(listEntries)
          .set({ removedAt: t.clock.now(), removalReason: "matrix" })
          .where(eq(listEntries.id, id));
      });
      return { method: "POST", path: `/v1/lists/${id}/repair`, json: { statement: "已整改完毕" } };
    },
    // Any listed organisation asks for its own entry, verified or not.
    expect: { none: 401, others: 201 },
  },
  {
    operationId: "requestListRepair",
    label: "someone else's entry",
    request: async ({ t, cast }) => {
      const other = await makeOrg(t, ["seller"]);
      const id = await blackEntry(t, other.org.id, cast.regulator.org.id);
      return { method: "POST", path: `/v1/lists/${id}/repair`, json: { statement: "替人申请" } };
    },
    expect: { none: 401, others: 403 },
  },
  {
    operationId: "decideListRepair",
    request: async ({ t, cast }) => {
      const other = await makeOrg(t, ["seller"]);
      const id = await blackEntry(t, other.org.id, cast.regulator.org.id);
      await t.request("POST", `/v1/lists/${id}/repair`, {
        key: other.key,
        json: { statement: "已整改完毕" },
      });
      return {
        method: "POST",
        path: `/v1/lists/${id}/repair/decision`,
        json: { decision: "rejected", reason: "材料不全" },
      };
    },
    expect: { none: 401, regulator: 200, others: 403 },
  },
  {
    operationId: "removeListEntry",
    request: async ({ t, cast }) => {
      const other = await makeOrg(t, ["seller"]);
      const id = await blackEntry(t, other.org.id, cast.regulator.org.id);
      return { method: "POST", path: `/v1/lists/${id}/removal`, json: { reason: "撤销原决定" } };
    },
    expect: { none: 401, regulator: 200, others: 403 },
  },
  {
    operationId: "answerComplaint",
    request: async ({ t, cast }) => ({
      method: "POST",
      path: `/v1/complaints/${await complaintOf(t, cast.seller.org.id)}/answer`,
      json: { text: "已处理" },
    }),
    // The seller concerned answers; regulators see it but do not answer for it; others cannot see it.
    expect: { none: 401, seller: 200, regulator: 403, others: 404 },
  },
  {
    operationId: "decideComplaint",
    request: async ({ t, cast }) => ({
      method: "POST",
      path: `/v1/complaints/${await complaintOf(t, cast.seller.org.id)}/decision`,
      json: { decision: "rejected", reason: "证据不足" },
    }),
    expect: { none: 401, regulator: 200, others: 403 },
  },
  {
    operationId: "hideReview",
    request: async ({ t, cast }) => {
      const lot = await seedLot(t, cast.producer, { count: 1 });
      const [event] = await t.db.select({ id: events.id }).from(events).limit(1);
      const receiptId = `rcp_${uid()}`;
      await t.db.insert(receipts).values({
        id: receiptId,
        codeHash: uid(),
        itemId: lot.items[0]!.id,
        saleEventId: event!.id,
        sellerOrgId: cast.seller.org.id,
        createdAt: t.clock.now(),
      });
      const id = `rev_${uid()}`;
      await t.db.insert(reviews).values({
        id,
        receiptId,
        kind: "review",
        itemId: lot.items[0]!.id,
        gtin: lot.gtin,
        sellerOrgId: cast.seller.org.id,
        rating: 1,
        text: "差",
        createdAt: t.clock.now(),
      });
      return { method: "POST", path: `/v1/reviews/${id}/hide`, json: { reason: "含个人隐私" } };
    },
    expect: { none: 401, regulator: 200, others: 403 },
  },
];
