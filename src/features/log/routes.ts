// Tamper-evidence routes: signed checkpoints, inclusion and consistency proofs, verify and export.
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { parseCode } from "../../codes";
import { logOrigin } from "../../config";
import { noteVerifierKey } from "../../ledger/checkpoint";
import { bytesToBase64, bytesToHex } from "../../ledger/hex";
import {
  checkpoint,
  checkpointOfSize,
  type LogDeps,
  leafOfEvent,
  storedLog,
} from "../../ledger/log";
import { verifyHistory } from "../../ledger/verify";
import type { AppEnv } from "../../lib/context";
import { AppError } from "../../lib/errors";
import { createRouter, errorResponses, json, notFoundResponse } from "../../lib/router";
import { eventViews, getEvent, historyOf } from "../events/views";
import {
  ConsistencyProof,
  HistoryExport,
  InclusionProof,
  LogKey,
  SignedCheckpoint,
  VerifyReport,
} from "./schemas";

const tags = ["Tamper evidence"];

export function logDeps(c: Context<AppEnv>): LogDeps {
  const { secrets, config, clock } = c.var.deps;
  return { signingKey: secrets.signingKey, origin: logOrigin(config), now: () => clock.now() };
}

/** A checkpoint covering everything committed so far (signed now if the log grew since the last). */
async function freshCheckpoint(c: Context<AppEnv>) {
  const cp = await checkpoint(
    c.var.deps.db,
    logDeps(c),
    c.var.deps.config.CHECKPOINT_INTERVAL_SECONDS * 1000,
  );
  if (!cp) throw new AppError("not_found", "the log is empty: no event has been recorded yet");
  return cp;
}

export const checkpointRoute = createRoute({
  method: "get",
  path: "/v1/log/checkpoint",
  operationId: "getCheckpoint",
  summary: "The latest signed checkpoint (tree size, root hash, time) of the event log",
  description:
    "Keep it: any later checkpoint can be proven consistent with it, so history cannot be rewritten unnoticed.",
  tags,
  security: [],
  responses: {
    200: json(SignedCheckpoint, "The checkpoint"),
    ...notFoundResponse,
    ...errorResponses,
  },
});

export const checkpointBySizeRoute = createRoute({
  method: "get",
  path: "/v1/log/checkpoints/{size}",
  operationId: "getCheckpointBySize",
  summary: "The signed checkpoint of a given tree size",
  tags,
  security: [],
  request: { params: z.object({ size: z.coerce.number().int().min(1) }) },
  responses: {
    200: json(SignedCheckpoint, "The checkpoint"),
    ...notFoundResponse,
    ...errorResponses,
  },
});

export const inclusionRoute = createRoute({
  method: "get",
  path: "/v1/log/proof/inclusion",
  operationId: "getInclusionProof",
  summary: "Proof that an event is in the tree of a checkpoint (RFC 9162)",
  tags,
  security: [],
  request: {
    query: z.object({
      event: z.string().min(1).max(300).openapi({ description: "event id or EPCIS eventID" }),
      size: z.coerce
        .number()
        .int()
        .min(1)
        .optional()
        .openapi({ description: "tree size; the latest checkpoint's by default" }),
    }),
  },
  responses: { 200: json(InclusionProof, "The proof"), ...notFoundResponse, ...errorResponses },
});

export const consistencyRoute = createRoute({
  method: "get",
  path: "/v1/log/proof/consistency",
  operationId: "getConsistencyProof",
  summary: "Proof that the tree of size `to` extends the tree of size `from` (RFC 9162)",
  tags,
  security: [],
  request: {
    query: z.object({ from: z.coerce.number().int().min(1), to: z.coerce.number().int().min(1) }),
  },
  responses: { 200: json(ConsistencyProof, "The proof"), ...notFoundResponse, ...errorResponses },
});

export const logKeyRoute = createRoute({
  method: "get",
  path: "/.well-known/zhuisu-log-key",
  operationId: "getLogKey",
  summary: "The public key that signs the log's checkpoints",
  tags,
  security: [],
  responses: { 200: json(LogKey, "The key") },
});

const keyParam = z.object({
  key: z.string().openapi({ example: "01/06901234567892/21/Kf3x9QmT7pLw" }),
});

function parseKeyPath(raw: string): string {
  const parsed = parseCode(`/${raw}`, { gbt33993: false });
  if (!parsed.ok)
    throw new AppError("invalid_code", parsed.error.message, { parseError: parsed.error });
  if (parsed.value.kind !== "gs1")
    throw new AppError("invalid_code", "the log is kept for GS1 keys");
  return parsed.value.key;
}

export const logRoutes = createRouter()
  .openapi(checkpointRoute, async (c) => c.json(await freshCheckpoint(c), 200))
  .openapi(checkpointBySizeRoute, async (c) => {
    const cp = await checkpointOfSize(c.var.deps.db, c.req.valid("param").size);
    if (!cp)
      throw new AppError(
        "not_found",
        `no checkpoint was signed at size ${c.req.valid("param").size}`,
      );
    return c.json(cp, 200);
  })
  .openapi(inclusionRoute, async (c) => {
    const { event: id, size: wanted } = c.req.valid("query");
    const { db } = c.var.deps;
    const latest = await freshCheckpoint(c);
    const event = await getEvent(db, id);
    const leaf = await leafOfEvent(db, event.id);
    const size = wanted ?? latest.treeSize;
    if (!leaf)
      throw new AppError(
        "not_found",
        `event ${id} is not in the log yet; ask again in a few seconds`,
      );
    if (size > latest.treeSize)
      throw new AppError("not_found", `the log has ${latest.treeSize} leaves, not ${size}`);
    if (leaf.leafIndex >= size) {
      throw new AppError(
        "not_found",
        `event ${id} is at position ${leaf.leafIndex}, outside a tree of size ${size}`,
      );
    }
    const proof = await storedLog(db).inclusionProof(leaf.leafIndex, size);
    return c.json(
      {
        eventId: event.eventId,
        leafIndex: leaf.leafIndex,
        treeSize: size,
        leafHash: leaf.leafHash,
        proof: proof.map(bytesToHex),
        checkpoint: await checkpointOfSize(db, size),
      },
      200,
    );
  })
  .openapi(consistencyRoute, async (c) => {
    const { from, to } = c.req.valid("query");
    if (from > to) {
      throw new AppError("validation_failed", "query.from: must not be larger than `to`", {
        errors: [{ path: "query.from", message: "must not be larger than `to`" }],
      });
    }
    const { db } = c.var.deps;
    const latest = await freshCheckpoint(c);
    if (to > latest.treeSize)
      throw new AppError("not_found", `the log has ${latest.treeSize} leaves, not ${to}`);
    const proof = await storedLog(db).consistencyProof(from, to);
    return c.json(
      {
        from,
        to,
        proof: proof.map(bytesToHex),
        fromCheckpoint: await checkpointOfSize(db, from),
        toCheckpoint: await checkpointOfSize(db, to),
      },
      200,
    );
  })
  .openapi(logKeyRoute, async (c) => {
    const { signingKey } = c.var.deps.secrets;
    const origin = logOrigin(c.var.deps.config);
    return c.json(
      {
        origin,
        algorithm: "Ed25519" as const,
        keyId: signingKey.keyId,
        publicKey: bytesToBase64(signingKey.publicKey),
        noteVerifierKey: await noteVerifierKey(origin, signingKey.publicKey),
      },
      200,
    );
  });

logRoutes.openAPIRegistry.registerPath({
  method: "get",
  path: "/v1/verify/{key}",
  operationId: "verifyHistory",
  summary: "Recompute every hash of a history and its inclusion in the latest checkpoint",
  description: "Names each event that was changed, removed or reordered after it was recorded.",
  tags,
  security: [],
  request: { params: keyParam },
  responses: {
    200: json(VerifyReport, "The report; `ok` is false when anything does not match"),
    ...errorResponses,
  },
});
logRoutes.get("/v1/verify/:key{.+}", async (c) => {
  const key = parseKeyPath(c.req.param("key"));
  const { db, secrets } = c.var.deps;
  const cp = await checkpoint(db, logDeps(c));
  const report = await verifyHistory(
    db,
    await historyOf(db, key),
    cp,
    secrets.signingKey.publicKey,
  );
  return c.json({ key, ...report }, 200);
});

logRoutes.openAPIRegistry.registerPath({
  method: "get",
  path: "/v1/export/{key}",
  operationId: "exportHistory",
  summary:
    "A history with its signed checkpoint and an inclusion proof per event, for offline verification",
  description: "Check it with `scripts/verify-export.ts` and nothing but the public key.",
  tags,
  security: [],
  request: { params: keyParam },
  responses: { 200: json(HistoryExport, "The export"), ...errorResponses },
});
logRoutes.get("/v1/export/:key{.+}", async (c) => {
  const key = parseKeyPath(c.req.param("key"));
  const { db } = c.var.deps;
  const cp = await checkpoint(db, logDeps(c));
  if (!cp) throw new AppError("not_found", "the log is empty");
  const rows = await historyOf(db, key);
  const views = await eventViews(db, rows);
  // One reader for the whole export: the proofs share the tree's right edge.
  const tree = storedLog(db);
  const events = [];
  for (const [i, row] of rows.entries()) {
    const leaf = await leafOfEvent(db, row.id);
    if (!leaf || leaf.leafIndex >= cp.treeSize) continue;
    const proof = await tree.inclusionProof(leaf.leafIndex, cp.treeSize);
    events.push({
      ...views[i]!,
      context: row.context,
      leafIndex: leaf.leafIndex,
      leafHash: leaf.leafHash,
      proof: proof.map(bytesToHex),
    });
  }
  return c.json({ format: "zhuisu-history-export/v1" as const, key, checkpoint: cp, events }, 200);
});
