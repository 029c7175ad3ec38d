// Raising an alert from any feature: one row per signal, its evidence merged when it fires again.
import { sql } from "drizzle-orm";
import { type AlertKind, type AlertSeverity, alerts } from "../../db/schema";
import type { Db } from "../../db/types";
import { newId } from "../orgs/service";

export interface AlertSignal {
  kind: AlertKind;
  severity: AlertSeverity;
  subjectKey: string;
  orgId: string | null;
  evidence: number[];
  details: Record<string, unknown>;
  /** Defaults to kind + subject + org: one open alert per signal and subject. */
  dedupeKey?: string;
}

export async function raiseAlert(tx: Db, now: Date, signal: AlertSignal): Promise<void> {
  const dedupeKey =
    signal.dedupeKey ?? `${signal.kind}:${signal.subjectKey}:${signal.orgId ?? "-"}`;
  await tx
    .insert(alerts)
    .values({
      id: newId("alr"),
      kind: signal.kind,
      severity: signal.severity,
      subjectKey: signal.subjectKey,
      orgId: signal.orgId,
      evidence: signal.evidence,
      details: signal.details,
      dedupeKey,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoUpdate({
      target: alerts.dedupeKey,
      // More evidence for a known signal: keep one alert, add the new event ids.
      set: {
        evidence: sql`(select coalesce(jsonb_agg(distinct e), '[]'::jsonb) from jsonb_array_elements(${alerts.evidence} || excluded.evidence) e)`,
        details: sql`${alerts.details} || excluded.details`,
        updatedAt: now,
      },
      // A decided alert is a closed case: the same signal does not change it after the decision.
      setWhere: sql`${alerts.status} = 'open'`,
    });
}
