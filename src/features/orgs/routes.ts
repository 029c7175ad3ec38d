// Organisation routes: registration, public profiles, verification, API keys, credit commitments.
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { hasRole, optionalCaller, requireCaller, requireWriter } from "../../lib/auth";
import type { AppEnv } from "../../lib/context";
import { AppError } from "../../lib/errors";
import { PageQuery } from "../../lib/pagination";
import {
  authErrorResponses,
  body,
  conflictResponse,
  createRouter,
  errorResponses,
  json,
  notFoundResponse,
  optionalKey,
} from "../../lib/router";
import { assertWithin, jurisdictionOf } from "./jurisdiction";
import { commitmentView, privateProfile, publicProfile } from "./profile";
import {
  Commitment,
  CommitmentBody,
  IssuedKey,
  KeyInfo,
  NewKeyBody,
  OrgIdParam,
  OrgPage,
  OrgStatus,
  PrivateOrg,
  PublicOrg,
  Registered,
  RegisterOrgBody,
  Role,
  StatusChange,
  StatusChangeBody,
} from "./schemas";
import {
  changeJurisdiction,
  changeOrgStatus,
  commitmentHistory,
  getOrg,
  getOrgByUscc,
  issueApiKey,
  listApiKeys,
  listOrgs,
  publishCommitment,
  registerOrg,
  revokeApiKey,
  statusHistory,
} from "./service";

const tags = ["Organisations"];

export const registerOrgRoute = createRoute({
  method: "post",
  path: "/v1/orgs",
  operationId: "registerOrg",
  summary: "Register an organisation (real name, USCC, licences); it starts unverified",
  description:
    "Anyone may apply; the organisation gets an API key at once but cannot write until a regulator verifies it. A USCC whose check character fails is held as `pending_review`. Only a regulator may register another regulator.",
  tags,
  security: optionalKey,
  request: { body: body(RegisterOrgBody) },
  responses: {
    201: json(Registered, "Registered; the API key is shown once"),
    ...errorResponses,
    ...authErrorResponses,
    ...conflictResponse,
  },
});

export const listOrgsRoute = createRoute({
  method: "get",
  path: "/v1/orgs",
  operationId: "listOrgs",
  summary: "List organisations (verified ones publicly; any status for regulators)",
  tags,
  security: optionalKey,
  request: {
    query: PageQuery.extend({
      role: Role.optional(),
      region: z
        .string()
        .regex(/^\d{2,6}$/)
        .optional(),
      status: OrgStatus.optional(),
    }),
  },
  responses: {
    200: json(OrgPage, "A page of organisations"),
    ...errorResponses,
    ...authErrorResponses,
  },
});

export const getOrgRoute = createRoute({
  method: "get",
  path: "/v1/orgs/{id}",
  operationId: "getOrg",
  summary: "Public profile: name, USCC, verification, licences, region, commitment, credit, lists",
  tags,
  security: [],
  request: { params: OrgIdParam },
  responses: { 200: json(PublicOrg, "The public profile"), ...notFoundResponse, ...errorResponses },
});

export const getOrgByUsccRoute = createRoute({
  method: "get",
  path: "/v1/orgs/by-uscc/{uscc}",
  operationId: "getOrgByUscc",
  summary: "Public profile by USCC",
  tags,
  security: [],
  request: { params: z.object({ uscc: z.string().min(1).max(18) }) },
  responses: { 200: json(PublicOrg, "The public profile"), ...notFoundResponse, ...errorResponses },
});

export const getMeRoute = createRoute({
  method: "get",
  path: "/v1/me",
  operationId: "getMe",
  summary: "The calling organisation, private fields included",
  tags,
  responses: {
    200: json(PrivateOrg, "The caller's organisation"),
    ...authErrorResponses,
    ...errorResponses,
  },
});

export const changeStatusRoute = createRoute({
  method: "post",
  path: "/v1/orgs/{id}/status",
  operationId: "changeOrgStatus",
  summary: "Verify, reject, suspend or reinstate an organisation (regulator)",
  tags,
  request: { params: OrgIdParam, body: body(StatusChangeBody) },
  responses: {
    200: json(PrivateOrg, "The organisation after the change"),
    ...authErrorResponses,
    ...notFoundResponse,
    ...conflictResponse,
    ...errorResponses,
  },
});

export const changeJurisdictionRoute = createRoute({
  method: "put",
  path: "/v1/orgs/{id}/jurisdiction",
  operationId: "changeOrgJurisdiction",
  summary: "Move another regulator's jurisdiction, inside the caller's own (regulator)",
  tags,
  request: {
    params: OrgIdParam,
    body: body(
      z
        .object({
          jurisdiction: z.string().trim().max(12).openapi({
            description: "GB/T 2260 code (county, prefecture, province) or 000000",
            example: "331000",
          }),
        })
        .openapi("JurisdictionChange"),
    ),
  },
  responses: {
    200: json(PrivateOrg, "The regulator after the change"),
    ...authErrorResponses,
    ...notFoundResponse,
    ...conflictResponse,
    ...errorResponses,
  },
});

export const statusHistoryRoute = createRoute({
  method: "get",
  path: "/v1/orgs/{id}/status-history",
  operationId: "orgStatusHistory",
  summary:
    "Who changed the organisation's verification state, when and why (the organisation or a regulator)",
  tags,
  request: { params: OrgIdParam },
  responses: {
    200: json(z.array(StatusChange), "History, oldest first"),
    ...authErrorResponses,
    ...notFoundResponse,
    ...errorResponses,
  },
});

export const createKeyRoute = createRoute({
  method: "post",
  path: "/v1/me/keys",
  operationId: "createApiKey",
  summary: "Create an API key for the calling organisation (shown once)",
  tags,
  request: { body: body(NewKeyBody) },
  responses: { 201: json(IssuedKey, "The new key"), ...authErrorResponses, ...errorResponses },
});

export const listKeysRoute = createRoute({
  method: "get",
  path: "/v1/me/keys",
  operationId: "listApiKeys",
  summary: "The calling organisation's API keys, without their secrets",
  tags,
  responses: { 200: json(z.array(KeyInfo), "Keys"), ...authErrorResponses, ...errorResponses },
});

export const revokeKeyRoute = createRoute({
  method: "delete",
  path: "/v1/me/keys/{keyId}",
  operationId: "revokeApiKey",
  summary: "Revoke one of the calling organisation's API keys",
  tags,
  request: { params: z.object({ keyId: z.string().min(1).max(64) }) },
  responses: {
    204: { description: "Revoked" },
    ...authErrorResponses,
    ...notFoundResponse,
    ...errorResponses,
  },
});

export const publishCommitmentRoute = createRoute({
  method: "post",
  path: "/v1/me/commitments",
  operationId: "publishCommitment",
  summary: "Publish a new version of the calling organisation's credit commitment (信用承诺)",
  tags,
  request: { body: body(CommitmentBody) },
  responses: {
    201: json(Commitment, "The published version"),
    ...authErrorResponses,
    ...errorResponses,
  },
});

export const commitmentHistoryRoute = createRoute({
  method: "get",
  path: "/v1/orgs/{id}/commitments",
  operationId: "commitmentHistory",
  summary: "Every published version of an organisation's credit commitment, newest first",
  tags,
  security: [],
  request: { params: OrgIdParam },
  responses: { 200: json(z.array(Commitment), "Versions"), ...notFoundResponse, ...errorResponses },
});

const deps = (c: Context<AppEnv>) => ({
  clock: c.var.deps.clock,
  hashSecret: c.var.deps.secrets.hashSecret,
});

export const orgRoutes = createRouter()
  .openapi(registerOrgRoute, async (c) => {
    const input = c.req.valid("json");
    const caller = await optionalCaller(c);
    const { org, key, notice } = await registerOrg(
      c.var.deps.db,
      deps(c),
      input,
      caller?.org ?? null,
    );
    return c.json(
      { org: await privateProfile(c.var.deps.db, c.var.deps.clock, org), apiKey: key, notice },
      201,
    );
  })
  .openapi(listOrgsRoute, async (c) => {
    const q = c.req.valid("query");
    const caller = await optionalCaller(c);
    const regulator = caller && hasRole(caller.org, "regulator");
    if (q.status && q.status !== "verified" && !regulator) {
      throw new AppError(
        "forbidden",
        "only regulators may list organisations that are not verified",
      );
    }
    const status = q.status ?? (regulator ? undefined : "verified");
    const page = await listOrgs(c.var.deps.db, {
      role: q.role,
      regionCode: q.region,
      status,
      // What is not public (pending, rejected, suspended) a regulator sees inside its jurisdiction.
      jurisdiction:
        regulator && status !== "verified" ? (jurisdictionOf(caller.org) ?? undefined) : undefined,
      limit: q.limit,
      cursor: q.cursor,
    });
    const { db, clock } = c.var.deps;
    return c.json(
      {
        items: await Promise.all(page.items.map((o) => publicProfile(db, clock, o))),
        next: page.next,
      },
      200,
    );
  })
  .openapi(getOrgByUsccRoute, async (c) => {
    const { db, clock } = c.var.deps;
    return c.json(
      await publicProfile(db, clock, await getOrgByUscc(db, c.req.valid("param").uscc)),
      200,
    );
  })
  .openapi(getOrgRoute, async (c) => {
    const { db, clock } = c.var.deps;
    return c.json(await publicProfile(db, clock, await getOrg(db, c.req.valid("param").id)), 200);
  })
  .openapi(getMeRoute, async (c) => {
    const caller = await requireCaller(c);
    return c.json(await privateProfile(c.var.deps.db, c.var.deps.clock, caller.org), 200);
  })
  .openapi(changeStatusRoute, async (c) => {
    const caller = await requireWriter(c, "regulator");
    const { status, reason } = c.req.valid("json");
    const { db, clock } = c.var.deps;
    const org = await changeOrgStatus(
      db,
      clock,
      c.req.valid("param").id,
      status,
      reason,
      caller.org,
    );
    return c.json(await privateProfile(db, clock, org), 200);
  })
  .openapi(changeJurisdictionRoute, async (c) => {
    const caller = await requireWriter(c, "regulator");
    const { db, clock } = c.var.deps;
    const org = await changeJurisdiction(
      db,
      clock,
      c.req.valid("param").id,
      c.req.valid("json").jurisdiction,
      caller.org,
    );
    return c.json(await privateProfile(db, clock, org), 200);
  })
  .openapi(statusHistoryRoute, async (c) => {
    const caller = await requireCaller(c);
    const { id } = c.req.valid("param");
    if (caller.org.id !== id && !hasRole(caller.org, "regulator")) {
      throw new AppError(
        "forbidden",
        "only the organisation itself or a regulator may read its status history",
      );
    }
    const target = await getOrg(c.var.deps.db, id);
    if (caller.org.id !== id) assertWithin(caller.org, target.regionCode, `organisation ${id}`);
    const rows = await statusHistory(c.var.deps.db, id);
    return c.json(
      rows.map((r) => ({
        fromStatus: r.fromStatus,
        toStatus: r.toStatus,
        reason: r.reason,
        actorOrgId: r.actorOrgId,
        at: r.at.toISOString(),
      })),
      200,
    );
  })
  .openapi(createKeyRoute, async (c) => {
    // Any organisation may manage its own credentials, verified or not: it is not a write of domain data.
    const caller = await requireCaller(c);
    const key = await issueApiKey(
      c.var.deps.db,
      c.var.deps.clock,
      caller.org.id,
      c.req.valid("json").name,
    );
    return c.json(key, 201);
  })
  .openapi(listKeysRoute, async (c) => {
    const caller = await requireCaller(c);
    const rows = await listApiKeys(c.var.deps.db, caller.org.id);
    return c.json(
      rows.map((k) => ({
        id: k.id,
        name: k.name,
        prefix: k.prefix,
        createdAt: k.createdAt.toISOString(),
        revokedAt: k.revokedAt?.toISOString() ?? null,
        lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
      })),
      200,
    );
  })
  .openapi(revokeKeyRoute, async (c) => {
    const caller = await requireCaller(c);
    await revokeApiKey(c.var.deps.db, c.var.deps.clock, caller.org.id, c.req.valid("param").keyId);
    return c.body(null, 204);
  })
  .openapi(publishCommitmentRoute, async (c) => {
    const caller = await requireWriter(c);
    const row = await publishCommitment(
      c.var.deps.db,
      c.var.deps.clock,
      caller.org.id,
      c.req.valid("json"),
    );
    return c.json(commitmentView(row), 201);
  })
  .openapi(commitmentHistoryRoute, async (c) => {
    const { id } = c.req.valid("param");
    await getOrg(c.var.deps.db, id);
    return c.json((await commitmentHistory(c.var.deps.db, id)).map(commitmentView), 200);
  });
