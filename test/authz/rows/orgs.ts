// Organisation write routes in the authorisation matrix.
import { issueApiKey } from "../../../src/features/orgs/service";
import { makeOrg, makeUscc } from "../../factories";
import type { MatrixRow } from "../matrix";

const commitment = {
  quality: "q",
  priceHonesty: "p",
  logistics: "l",
  afterSales: { noReasonReturnDays: 7, firstCompensation: true, responseHours: 24 },
};

export const rows: MatrixRow[] = [
  {
    operationId: "registerOrg",
    request: () => ({
      method: "POST",
      path: "/v1/orgs",
      json: { nameZh: "新申请企业", uscc: makeUscc(), roles: ["seller"], regionCode: "331003" },
    }),
    // Anyone may apply: the new organisation starts unverified.
    expect: { others: 201 },
  },
  {
    operationId: "changeOrgStatus",
    request: async ({ t }) => {
      const target = await makeOrg(t, ["seller"], { status: "pending" });
      return {
        method: "POST",
        path: `/v1/orgs/${target.org.id}/status`,
        json: { status: "verified", reason: "核验通过" },
      };
    },
    expect: { none: 401, regulator: 200, others: 403 },
  },
  {
    operationId: "changeOrgJurisdiction",
    request: async ({ t }) => {
      const target = await makeOrg(t, ["regulator"], { jurisdiction: "331000" });
      return {
        method: "PUT",
        path: `/v1/orgs/${target.org.id}/jurisdiction`,
        json: { jurisdiction: "331003" },
      };
    },
    expect: { none: 401, regulator: 200, others: 403 },
  },
  {
    operationId: "publishCommitment",
    request: () => ({ method: "POST", path: "/v1/me/commitments", json: commitment }),
    expect: { none: 401, unverified: 403, others: 201 },
  },
  {
    operationId: "createApiKey",
    request: () => ({ method: "POST", path: "/v1/me/keys", json: { name: "k" } }),
    expect: { none: 401, others: 201 },
  },
  {
    operationId: "revokeApiKey",
    request: async ({ t, caller, cast }) => {
      const owner = caller ?? cast.seller;
      const key = await issueApiKey(t.db, t.clock, owner.org.id, "to revoke");
      return { method: "DELETE", path: `/v1/me/keys/${key.id}` };
    },
    expect: { none: 401, others: 204 },
  },
];
