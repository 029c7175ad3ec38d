// Trace exports: a CSV of key data elements per event and an EPCIS 2.0 document, each with the signed checkpoint.
import { inArray } from "drizzle-orm";
import { events } from "../../db/schema";
import type { Db } from "../../db/types";
import { ZS_CONTEXT } from "../../ledger/epcis";
import { csvCell } from "../../lib/tabular";
import type {
  BackwardTraceView,
  ForwardTraceView,
  PartyView,
  ProductTraceView,
  TraceEventView,
} from "./schemas";

export type AnyTrace = BackwardTraceView | ForwardTraceView | ProductTraceView;

export const CSV_FORMAT = "zhuisu-trace-csv/v1";

/** The key data elements of a tracking event (GS1 / FSMA 204 style): what, how much, from, to, where, when, papers. */
export const CSV_COLUMNS = [
  "event_id",
  "epcis_event_id",
  "event_hash_id",
  "kind",
  "biz_step",
  "disposition",
  "when",
  "time_zone",
  "recorded",
  "what",
  "product_gtin",
  "product_description",
  "lot",
  "quantity",
  "uom",
  "from",
  "from_uscc",
  "to",
  "to_uscc",
  "where",
  "reference_documents",
  "actor",
  "actor_org_id",
  "actor_uscc",
  "actor_verified",
  "leaf_index",
  "inclusion_proof",
  "declares",
  "corrected_by",
  "error_reason",
] as const;

/** Quotes a cell (RFC 4180) and defuses text a spreadsheet would run as a formula. */
const lotOf = (what: string) => {
  const m = /\/10\/([^/]+)/.exec(what);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return m[1]!;
  }
};

function party(id: string | null, parties: Map<string, PartyView>): [string | null, string | null] {
  if (!id) return [null, null];
  if (id === "consumer") return ["consumer", null];
  const p = parties.get(id);
  return p ? [p.nameZh, p.uscc] : [id, null];
}

function where(e: TraceEventView): string | null {
  const named = (id: string | null, name: { name: string } | null) =>
    id && name ? `${name.name} (${id})` : id;
  const parts = [
    named(e.where.readPoint, e.where.readPointName),
    named(e.where.bizLocation, e.where.bizLocationName),
  ];
  if (e.where.destinationRegion) parts.push(`region:${e.where.destinationRegion}`);
  const found = parts.filter((p): p is string => Boolean(p));
  return found.length ? found.join(" ") : null;
}

/**
 * One CSV row per event. The signed checkpoint travels in `#` comment lines above the header, so
 * the file stands alone: verify the checkpoint with the log's public key, then each row's leaf
 * (from event_hash_id, epcis_event_id, recorded, actor_org_id, kind) with its inclusion_proof.
 */
export function traceCsv(trace: AnyTrace): string {
  const parties = new Map(trace.parties.map((p) => [p.id, p]));
  const lines = [
    `# ${CSV_FORMAT} ${trace.direction} trace of ${trace.key}; asOf ${trace.asOf ?? "now"}; generated ${trace.generatedAt}`,
    `# checkpoint: ${trace.checkpoint ? JSON.stringify(trace.checkpoint) : "none (the log is empty)"}`,
    "# verify: the checkpoint signature with GET /.well-known/zhuisu-log-key; each row's RFC 9162 leaf with inclusion_proof (hex, space-separated) against the checkpoint root",
    CSV_COLUMNS.join(","),
  ];
  for (const e of trace.events) {
    const [from, fromUscc] = party(e.from, parties);
    const [to, toUscc] = party(e.to, parties);
    lines.push(
      [
        csvCell(e.id),
        csvCell(e.eventId),
        csvCell(e.hashId),
        csvCell(e.kind),
        csvCell(e.bizStep),
        csvCell(e.disposition),
        csvCell(e.eventTime),
        csvCell(e.eventTimeZoneOffset),
        csvCell(e.recordTime),
        csvCell(e.what, true),
        csvCell(trace.product.gtin),
        csvCell(trace.product.nameZh, true),
        csvCell(lotOf(e.what) ?? ("lot" in trace ? trace.lot.lot : null), true),
        csvCell(e.quantity),
        csvCell(e.quantity === null ? null : "EA"),
        csvCell(from, true),
        csvCell(fromUscc),
        csvCell(to, true),
        csvCell(toUscc),
        csvCell(where(e), true),
        csvCell(e.references.map((r) => `${r.type}:${r.id}`).join("; "), true),
        csvCell(e.actor?.nameZh, true),
        csvCell(e.actor?.id),
        csvCell(e.actor?.uscc),
        csvCell(e.actor ? e.actor.verified : null),
        csvCell(e.inclusion?.leafIndex),
        csvCell(e.inclusion?.proof.join(" ")),
        csvCell(e.declares),
        csvCell(e.correction?.by),
        csvCell(e.correction?.reason, true),
      ].join(","),
    );
  }
  // A byte-order mark, so spreadsheet programs read the Chinese names as UTF-8.
  return `\uFEFF${lines.join("\r\n")}\r\n`;
}

const sameContext = (a: unknown[]) => JSON.stringify(a) === JSON.stringify(ZS_CONTEXT);

/**
 * The events as they were stored, in one EPCIS 2.0 document. The header carries the signed
 * checkpoint and, per event, what its log leaf needs beyond the document (kind, actor) and its
 * audit path: with the public key alone a reader checks that the log holds exactly these events.
 */
export async function traceEpcis(db: Db, trace: AnyTrace): Promise<Record<string, unknown>> {
  const ids = trace.events.map((e) => e.id);
  const stored = new Map<number, { document: Record<string, unknown>; context: unknown[] }>();
  for (let i = 0; i < ids.length; i += 5_000) {
    const rows = await db
      .select({ id: events.id, document: events.document, context: events.context })
      .from(events)
      .where(inArray(events.id, ids.slice(i, i + 5_000)));
    for (const r of rows) stored.set(r.id, r);
  }
  const eventList = trace.events.map((e) => {
    const row = stored.get(e.id)!;
    // An event captured under other namespaces keeps its own @context.
    return sameContext(row.context) ? row.document : { "@context": row.context, ...row.document };
  });
  return {
    "@context": ZS_CONTEXT,
    type: "EPCISDocument",
    schemaVersion: "2.0",
    creationDate: trace.generatedAt,
    epcisHeader: {
      "zs:trace": { key: trace.key, direction: trace.direction, asOf: trace.asOf },
      "zs:checkpoint": trace.checkpoint,
      "zs:inclusionProofs": trace.events.map((e) => ({
        eventID: e.eventId,
        kind: e.kind,
        actorOrgId: e.actor?.id ?? null,
        ...(e.inclusion ?? { leafIndex: null, leafHash: null, proof: null }),
      })),
    },
    epcisBody: { eventList },
  };
}
