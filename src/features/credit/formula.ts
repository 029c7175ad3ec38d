// Pure: an organisation's credit score, grade and factor breakdown from its evidence. Explained in docs/credit.md.

export const CREDIT_PARAMS = {
  /** Evidence loses half its weight every this many days: last season's reviews count, last decade's not. */
  halfLifeDays: 180,
  /** Evidence older than this is not gathered at all (weight below 1/64). */
  horizonDays: 3 * 365,
  /** Weights of the quality factors; renormalised over the factors that apply to the organisation. */
  weights: { reviews: 40, complaints: 20, answers: 10, inspections: 30 },
  /** Distinct buyers at which the reviews factor reaches half of what the ratings are worth. */
  buyerConfidence: 8,
  /** A 5-star review this soon after delivery says nothing about the goods... */
  fastReviewMinutes: 10,
  /** ...so it weighs this much (nothing): the shape of 刷评 earns no credit. */
  fastReviewWeight: 0,
  /** An upheld complaint weighs as if among this many buyers; bigger sellers pay proportionally less. */
  buyersPerComplaint: 100,
  /** The answer time expected when the organisation has published no commitment of its own. */
  defaultAnswerHours: 48,
  /** A failed inspection cancels this many passed ones. */
  failWeight: 3,
  /** Points off per confirmed alert, by severity, before decay. */
  alertPoints: { high: 20, medium: 10, low: 4 },
  /** Points off per commitment violation, before decay. */
  commitmentViolationPoints: 10,
  /** Points off per published black-list entry, by severity (no decay: it counts while published). */
  blackListPoints: { minor: 15, general: 30, serious: 50 },
  /** Points on for a published red-list entry (once, however many). */
  redListBonus: 5,
  /** Below this much independent evidence (and with no penalties) the grade is M. */
  minEvidence: 3,
  /** Lower bounds of the grades, as in the tax credit grades (A ≥ 90, B 70-89, C 40-69, D < 40). */
  bands: { A: 90, B: 70, C: 40 },
} as const;

export type Grade = "A" | "B" | "C" | "D" | "M";
export type FactorName =
  | "reviews"
  | "complaints"
  | "answers"
  | "inspections"
  | "base"
  | "confirmed_alerts"
  | "commitment_violations"
  | "black_list"
  | "red_list";

export interface ReviewEvidence {
  id: string;
  rating: number;
  /** Keyed hash of the buyer from the receipt; null when the seller named no buyer. */
  buyerRef: string | null;
  at: Date;
  deliveredAt: Date | null;
  eventId: number | null;
}

export interface ComplaintEvidence {
  id: string;
  status: "open" | "answered" | "upheld" | "rejected";
  at: Date;
  answeredAt: Date | null;
  decidedAt: Date | null;
  eventId: number | null;
}

export interface InspectionEvidence {
  id: string;
  conclusion: "pass" | "fail";
  at: Date;
  eventId: number | null;
}

export interface AlertEvidence {
  id: string;
  kind: string;
  severity: "low" | "medium" | "high";
  /** When it was confirmed. */
  at: Date;
  evidence: number[];
}

export interface ViolationEvidence {
  /** The upheld complaint or the confirmed alert that establishes it. */
  id: string;
  source: "complaint" | "alert";
  at: Date;
  eventId: number | null;
}

export interface ListEvidence {
  id: string;
  list: "red" | "black";
  severity: "minor" | "general" | "serious";
  listedOn: string;
}

export interface CreditEvidence {
  now: Date;
  /** Which quality factors apply even without evidence: sellers are judged by buyers, producers by labs. */
  roles: { seller: boolean; producer: boolean };
  reviews: ReviewEvidence[];
  /** Distinct buyers of the organisation's sales in the horizon (sales without a buyer count as one). */
  distinctBuyers: number;
  complaints: ComplaintEvidence[];
  /** The response time the organisation committed to (afterSales.responseHours), if it published one. */
  answerHours: number | null;
  inspections: InspectionEvidence[];
  confirmedAlerts: AlertEvidence[];
  commitmentViolations: ViolationEvidence[];
  /** Entries published today. */
  listEntries: ListEvidence[];
}

export interface EvidenceRef {
  type: "review" | "complaint" | "inspection" | "alert" | "list_entry";
  id: string;
  /** The ledger event behind it, when there is one. */
  eventId: number | null;
  at: string;
  /** What it weighs after recency (and, for reviews, the fast-review discount). */
  weight: number;
}

export interface Factor {
  name: FactorName;
  /** Points this factor is worth at most (quality, after renormalisation) or per item (penalties). */
  weight: number;
  /** 0..1 for quality factors; the decayed count for penalties and bonuses; null when not applicable. */
  value: number | null;
  /** Points it adds to (or, negative, takes from) the score. */
  contribution: number;
  evidence: EvidenceRef[];
  note: string;
}

export interface CreditResult {
  score: number;
  grade: Grade;
  /** Independent evidence behind the quality factors (distinct buyers, inspections, handled complaints). */
  evidenceStrength: number;
  factors: Factor[];
}

const DAY = 86_400_000;
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Recency weight: 1 today, ½ after one half-life, never above 1 (future dates count as today). */
export function decay(at: Date, now: Date, halfLifeDays = CREDIT_PARAMS.halfLifeDays): number {
  const ageDays = Math.max(0, (now.getTime() - at.getTime()) / DAY);
  return 0.5 ** (ageDays / halfLifeDays);
}

export function gradeOf(score: number): Exclude<Grade, "M"> {
  const { A, B, C } = CREDIT_PARAMS.bands;
  return score >= A ? "A" : score >= B ? "B" : score >= C ? "C" : "D";
}

const ref = (
  type: EvidenceRef["type"],
  id: string,
  eventId: number | null,
  at: Date,
  weight: number,
): EvidenceRef => ({ type, id, eventId, at: at.toISOString(), weight: round(weight, 4) });

const byRecency = (a: EvidenceRef, b: EvidenceRef) =>
  b.at.localeCompare(a.at) || a.id.localeCompare(b.id);

const isFast = (r: ReviewEvidence) =>
  r.deliveredAt !== null &&
  r.at.getTime() - r.deliveredAt.getTime() <= CREDIT_PARAMS.fastReviewMinutes * 60_000;

interface Quality {
  name: "reviews" | "complaints" | "answers" | "inspections";
  applies: boolean;
  value: number;
  evidence: EvidenceRef[];
  note: string;
}

/** Ratings averaged per buyer (one buyer, one voice), scaled by how many distinct buyers speak. */
function reviewsFactor(e: CreditEvidence): Quality & { buyers: number } {
  const perBuyer = new Map<string, { weight: number; sum: number; total: number }>();
  const evidence: EvidenceRef[] = [];
  for (const r of e.reviews) {
    const w = decay(r.at, e.now) * (isFast(r) ? CREDIT_PARAMS.fastReviewWeight : 1);
    evidence.push(ref("review", r.id, r.eventId, r.at, w));
    if (w <= 0) continue;
    const key = r.buyerRef ?? "(no buyer named)";
    const b = perBuyer.get(key) ?? { weight: 0, sum: 0, total: 0 };
    b.weight = Math.max(b.weight, w);
    b.sum += w * r.rating;
    b.total += w;
    perBuyer.set(key, b);
  }
  let buyers = 0;
  let weighted = 0;
  for (const b of perBuyer.values()) {
    buyers += b.weight;
    weighted += b.weight * (b.sum / b.total);
  }
  const mean = buyers > 0 ? weighted / buyers : 0;
  const quality = buyers > 0 ? (mean - 1) / 4 : 0;
  const confidence = buyers / (buyers + CREDIT_PARAMS.buyerConfidence);
  return {
    name: "reviews",
    applies: e.roles.seller || e.reviews.length > 0,
    value: quality * confidence,
    evidence,
    buyers,
    note: `mean rating ${round(mean)} from ${round(buyers)} distinct buyers (recency-weighted); ${perBuyer.size} buyer(s) counted, reviews within ${CREDIT_PARAMS.fastReviewMinutes} minutes of delivery not counted`,
  };
}

function complaintsFactor(e: CreditEvidence): Quality {
  const upheld = e.complaints.filter((c) => c.status === "upheld");
  const evidence = upheld.map((c) =>
    ref("complaint", c.id, c.eventId, c.decidedAt ?? c.at, decay(c.decidedAt ?? c.at, e.now)),
  );
  const count = evidence.reduce((s, r) => s + r.weight, 0);
  const scale = Math.max(1, e.distinctBuyers / CREDIT_PARAMS.buyersPerComplaint);
  return {
    name: "complaints",
    applies: e.roles.seller || e.complaints.length > 0,
    value: 1 / (1 + count / scale),
    evidence,
    note: `${upheld.length} upheld complaint(s) (${round(count)} recency-weighted) against ${e.distinctBuyers} distinct buyer(s)`,
  };
}

function answersFactor(e: CreditEvidence): Quality {
  const hours = e.answerHours ?? CREDIT_PARAMS.defaultAnswerHours;
  const limit = hours * 3_600_000;
  let due = 0;
  let onTime = 0;
  const evidence: EvidenceRef[] = [];
  for (const c of e.complaints) {
    const answeredInTime =
      c.answeredAt !== null && c.answeredAt.getTime() - c.at.getTime() <= limit;
    const overdue = c.answeredAt === null && e.now.getTime() - c.at.getTime() > limit;
    if (c.answeredAt === null && !overdue) continue; // still within its time
    const w = decay(c.at, e.now);
    due += w;
    if (answeredInTime) onTime += w;
    evidence.push(ref("complaint", c.id, c.eventId, c.at, w));
  }
  return {
    name: "answers",
    applies: e.roles.seller || e.complaints.length > 0,
    value: due > 0 ? onTime / due : 1,
    evidence,
    note:
      due > 0
        ? `${round((onTime / due) * 100, 1)}% of complaints answered within ${hours} hours`
        : `no complaint has come due for an answer (within ${hours} hours)`,
  };
}

function inspectionsFactor(e: CreditEvidence): Quality {
  let passed = 0;
  let failed = 0;
  const evidence = e.inspections.map((i) => {
    const w = decay(i.at, e.now);
    if (i.conclusion === "pass") passed += w;
    else failed += w;
    return ref("inspection", i.id, i.eventId, i.at, w);
  });
  return {
    name: "inspections",
    applies: e.roles.producer || e.inspections.length > 0,
    // The +1 is the inspection not yet done: one pass alone is not proof of a clean record.
    value: passed / (passed + CREDIT_PARAMS.failWeight * failed + 1),
    evidence,
    note: `${e.inspections.filter((i) => i.conclusion === "pass").length} passed, ${e.inspections.filter((i) => i.conclusion === "fail").length} failed inspection(s) of its lots`,
  };
}

export function computeCredit(e: CreditEvidence): CreditResult {
  const reviews = reviewsFactor(e);
  const qualities: Quality[] = [
    reviews,
    complaintsFactor(e),
    answersFactor(e),
    inspectionsFactor(e),
  ];
  const applicable = qualities.filter((q) => q.applies);
  const totalWeight = applicable.reduce((s, q) => s + CREDIT_PARAMS.weights[q.name], 0);
  const factors: Factor[] = qualities.map((q) => {
    const weight = q.applies ? (CREDIT_PARAMS.weights[q.name] * 100) / totalWeight : 0;
    return {
      name: q.name,
      weight: round(weight),
      value: q.applies ? round(q.value, 4) : null,
      contribution: round(weight * q.value),
      evidence: q.evidence.sort(byRecency),
      note: q.applies ? q.note : "does not apply to this organisation's roles",
    };
  });
  if (applicable.length === 0) {
    factors.push({
      name: "base",
      weight: 100,
      value: 1,
      contribution: 100,
      evidence: [],
      note: "no quality factor applies to this organisation's roles: only penalties move its score",
    });
  }

  const alertEvidence = e.confirmedAlerts.map((a) =>
    ref("alert", a.id, a.evidence[0] ?? null, a.at, decay(a.at, e.now)),
  );
  const alertPoints = e.confirmedAlerts.reduce(
    (s, a) => s + CREDIT_PARAMS.alertPoints[a.severity] * decay(a.at, e.now),
    0,
  );
  factors.push({
    name: "confirmed_alerts",
    weight: CREDIT_PARAMS.alertPoints.medium,
    value: round(
      alertEvidence.reduce((s, r) => s + r.weight, 0),
      4,
    ),
    contribution: -round(alertPoints),
    evidence: alertEvidence.sort(byRecency),
    note: `${e.confirmedAlerts.length} alert(s) confirmed by an inspector or regulator (${CREDIT_PARAMS.alertPoints.high}/${CREDIT_PARAMS.alertPoints.medium}/${CREDIT_PARAMS.alertPoints.low} points by severity, recency-weighted)`,
  });

  const violationEvidence = e.commitmentViolations.map((v) =>
    ref(
      v.source === "complaint" ? "complaint" : "alert",
      v.id,
      v.eventId,
      v.at,
      decay(v.at, e.now),
    ),
  );
  const violations = violationEvidence.reduce((s, r) => s + r.weight, 0);
  factors.push({
    name: "commitment_violations",
    weight: CREDIT_PARAMS.commitmentViolationPoints,
    value: round(violations, 4),
    contribution: -round(violations * CREDIT_PARAMS.commitmentViolationPoints),
    evidence: violationEvidence.sort(byRecency),
    note: `${e.commitmentViolations.length} broken credit commitment(s) established by an upheld complaint or a confirmed alert`,
  });

  const black = e.listEntries.filter((l) => l.list === "black");
  const red = e.listEntries.filter((l) => l.list === "red");
  const listRef = (l: ListEvidence) =>
    ref("list_entry", l.id, null, new Date(`${l.listedOn}T00:00:00Z`), 1);
  const blackPoints = black.reduce((s, l) => s + CREDIT_PARAMS.blackListPoints[l.severity], 0);
  factors.push({
    name: "black_list",
    weight: CREDIT_PARAMS.blackListPoints.general,
    value: black.length,
    contribution: -blackPoints,
    evidence: black.map(listRef).sort(byRecency),
    note:
      black.length > 0
        ? "published on the black list: the grade is D while the entry is published"
        : "not on the black list",
  });
  const bonus = red.length > 0 && black.length === 0 ? CREDIT_PARAMS.redListBonus : 0;
  factors.push({
    name: "red_list",
    weight: CREDIT_PARAMS.redListBonus,
    value: red.length,
    contribution: bonus,
    evidence: red.map(listRef).sort(byRecency),
    note:
      red.length === 0
        ? "not on the red list"
        : bonus > 0
          ? "published on the red list"
          : "on the red list, but a black-list entry cancels the bonus",
  });

  const raw = factors.reduce((s, f) => s + f.contribution, 0);
  const score = round(Math.min(100, Math.max(0, raw)), 1);
  const handled = e.complaints.filter((c) => c.answeredAt !== null || c.decidedAt !== null);
  const evidenceStrength = round(
    reviews.buyers +
      e.inspections.reduce((s, i) => s + decay(i.at, e.now), 0) +
      handled.reduce((s, c) => s + decay(c.at, e.now), 0),
  );
  const penalised = alertPoints > 0 || violations > 0;
  const grade: Grade =
    black.length > 0
      ? "D"
      : evidenceStrength < CREDIT_PARAMS.minEvidence && !penalised
        ? "M"
        : gradeOf(score);
  return { score, grade, evidenceStrength, factors };
}
