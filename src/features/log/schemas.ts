// Wire schemas of the tamper-evidence API: checkpoints, proofs, verification reports, exports.
import { z } from "@hono/zod-openapi";
import { EventView } from "../events/schemas";

export const SignedCheckpoint = z
  .object({
    origin: z.string(),
    treeSize: z.number().int(),
    rootHash: z.string().openapi({ description: "hex SHA-256 (RFC 9162 tree head)" }),
    timestamp: z.string(),
    keyId: z.string(),
    signature: z.string().openapi({ description: "Ed25519 over the checkpoint text, base64" }),
  })
  .openapi("SignedCheckpoint");

export const InclusionProof = z
  .object({
    eventId: z.string(),
    leafIndex: z.number().int(),
    treeSize: z.number().int(),
    leafHash: z.string(),
    proof: z.array(z.string()),
    checkpoint: SignedCheckpoint.nullable(),
  })
  .openapi("InclusionProof");

export const ConsistencyProof = z
  .object({
    from: z.number().int(),
    to: z.number().int(),
    proof: z.array(z.string()),
    fromCheckpoint: SignedCheckpoint.nullable(),
    toCheckpoint: SignedCheckpoint.nullable(),
  })
  .openapi("ConsistencyProof");

export const LogKey = z
  .object({
    origin: z.string(),
    algorithm: z.literal("Ed25519"),
    keyId: z.string(),
    publicKey: z.string().openapi({ description: "raw 32-byte Ed25519 public key, base64" }),
    noteVerifierKey: z
      .string()
      .openapi({ description: "the same key in the signed-note (C2SP) verifier format" }),
  })
  .openapi("LogKey");

export const VerifyReport = z
  .object({
    key: z.string(),
    ok: z.boolean(),
    eventsChecked: z.number().int(),
    checkpoint: SignedCheckpoint.nullable(),
    problems: z.array(
      z.object({
        kind: z.enum([
          "changed",
          "removed",
          "reordered",
          "not_in_log",
          "log_rewritten",
          "bad_signature",
        ]),
        event: z.number().int().optional(),
        eventId: z.string().optional(),
        leafIndex: z.number().int().optional(),
        detail: z.string(),
      }),
    ),
  })
  .openapi("VerifyReport");

export const HistoryExport = z
  .object({
    format: z.literal("zhuisu-history-export/v1"),
    key: z.string(),
    checkpoint: SignedCheckpoint,
    events: z.array(
      EventView.extend({
        context: z.array(z.unknown()),
        leafIndex: z.number().int(),
        leafHash: z.string(),
        proof: z.array(z.string()),
      }),
    ),
  })
  .openapi("HistoryExport");
