// The credit formula on its own: each factor, the grades, recency, and properties no evidence can break.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ComplaintEvidence,
  CREDIT_PARAMS,
  type CreditEvidence,
  computeCredit,
  decay,
  type Factor,
  gradeOf,
  type ReviewEvidence,
} from "./formula";

const NOW = new Date("2026-06-01T00:00:00Z");
const DAY = 86_400_000;
const daysAgo = (d: number) => new Date(NOW.getTime() - d * DAY);

function evidence(over: Partial<CreditEvidence> = {}): CreditEvidence {
  return {
    now: NOW,
    roles: { seller: true, producer: false },
    reviews: [],
    distinctBuyers: 0,
    complaints: [],
    answerHours: null,
    inspections: [],
    confirmedAlerts: [],
    commitmentViolations: [],
    listEntries: [],
    ...over,
  };
}

/** `n` reviews, one per buyer (or all from `buyer`), written `ageDays` ago, two days after delivery. */
function reviewsOf(
  n: number,
  rating = 5,
  opts: { buyer?: string; ageDays?: number; fast?: boolean } = {},
) {
  return Array.from({ length: n }, (_, i): ReviewEvidence => {
    const at = daysAgo(opts.ageDays ?? 1);
    return {
      id: `rev_${i}`,
      rating,
      buyerRef: opts.buyer ?? `buyer_${i}`,
      at,
      deliveredAt: new Date(at.getTime() - (opts.fast ? 3 * 60_000 : 2 * DAY)),
      eventId: 1000 + i,
    };
  });
}

const factor = (factors: Factor[], name: Factor["name"]) => factors.find((f) => f.name === name)!;

describe("grades", () => {
  it("follows the tax-credit bands: A ≥ 90, B ≥ 70, C ≥ 40, D below", () => {
    expect([100, 90, 89.9, 70, 69.9, 40, 39.9, 0].map(gradeOf)).toEqual([
      "A",
      "A",
      "B",
      "B",
      "C",
      "C",
      "D",
      "D",
    ]);
  });

  it("is M for an organisation without enough evidence, with its score still shown", () => {
    const result = computeCredit(evidence({ reviews: reviewsOf(2) }));
    expect(result.grade).toBe("M");
    expect(result.evidenceStrength).toBeLessThan(CREDIT_PARAMS.minEvidence);
    expect(result.score).toBeGreaterThan(0);
  });

  it("is not M once penalties exist, however little else there is", () => {
    const result = computeCredit(
      evidence({
        confirmedAlerts: [
          { id: "alr_1", kind: "empty_parcel", severity: "high", at: NOW, evidence: [7] },
        ],
      }),
    );
    expect(result.grade).not.toBe("M");
  });

  it("reaches A with many distinct, satisfied buyers and a clean record", () => {
    const result = computeCredit(evidence({ reviews: reviewsOf(80, 5), distinctBuyers: 80 }));
    expect(result.grade).toBe("A");
    expect(result.score).toBeGreaterThanOrEqual(90);
  });
});

describe("reviews", () => {
  it("counts one voice per buyer: many reviews from one buyer weigh like one", () => {
    const one = computeCredit(evidence({ reviews: reviewsOf(1, 5) }));
    const same = computeCredit(evidence({ reviews: reviewsOf(50, 5, { buyer: "me" }) }));
    expect(factor(same.factors, "reviews").contribution).toBe(
      factor(one.factors, "reviews").contribution,
    );
    expect(same.evidenceStrength).toBe(1);
  });

  it("does not count 5-star reviews written within minutes of delivery", () => {
    const fast = computeCredit(evidence({ reviews: reviewsOf(50, 5, { fast: true }) }));
    expect(factor(fast.factors, "reviews").contribution).toBe(0);
    expect(factor(fast.factors, "reviews").evidence.every((e) => e.weight === 0)).toBe(true);
    expect(fast.grade).toBe("M");
  });

  it("treats sales without a named buyer as one buyer", () => {
    const anonymous = reviewsOf(40, 5).map((r) => ({ ...r, buyerRef: null }));
    expect(computeCredit(evidence({ reviews: anonymous })).evidenceStrength).toBe(1);
  });

  it("scores low ratings below high ones from the same buyers", () => {
    const good = computeCredit(evidence({ reviews: reviewsOf(30, 5) }));
    const bad = computeCredit(evidence({ reviews: reviewsOf(30, 1) }));
    expect(factor(bad.factors, "reviews").contribution).toBe(0);
    expect(bad.score).toBeLessThan(good.score);
  });

  it("lists the reviews behind the factor with their ledger events, newest first", () => {
    const reviews = [...reviewsOf(3, 4, { ageDays: 10 }), ...reviewsOf(1, 5, { ageDays: 1 })].map(
      (r, i) => ({ ...r, id: `rev_${i}`, buyerRef: `b${i}` }),
    );
    const f = factor(computeCredit(evidence({ reviews })).factors, "reviews");
    expect(f.evidence.map((e) => e.id)).toEqual(["rev_3", "rev_0", "rev_1", "rev_2"]);
    expect(f.evidence[0]).toMatchObject({ type: "review", eventId: 1000 });
  });
});

describe("recency", () => {
  it("halves the weight of evidence every half-life", () => {
    expect(decay(NOW, NOW)).toBe(1);
    expect(decay(daysAgo(CREDIT_PARAMS.halfLifeDays), NOW)).toBeCloseTo(0.5, 10);
    expect(decay(daysAgo(2 * CREDIT_PARAMS.halfLifeDays), NOW)).toBeCloseTo(0.25, 10);
    expect(decay(new Date(NOW.getTime() + DAY), NOW)).toBe(1);
  });

  it("lets an old confirmed alert cost less than a fresh one", () => {
    const alert = (d: number) =>
      evidence({
        reviews: reviewsOf(40),
        confirmedAlerts: [
          { id: "a", kind: "sales_burst", severity: "high", at: daysAgo(d), evidence: [] },
        ],
      });
    const fresh = computeCredit(alert(0));
    const old = computeCredit(alert(360));
    expect(factor(fresh.factors, "confirmed_alerts").contribution).toBe(-20);
    expect(factor(old.factors, "confirmed_alerts").contribution).toBe(-5);
    expect(old.score).toBeGreaterThan(fresh.score);
  });
});

describe("complaints and answers", () => {
  const complaint = (
    status: "open" | "answered" | "upheld" | "rejected",
    answeredAfterHours: number | null,
    ageDays = 5,
  ) => {
    const at = daysAgo(ageDays);
    return {
      id: `cpl_${status}_${answeredAfterHours}_${ageDays}`,
      status,
      at,
      answeredAt:
        answeredAfterHours === null
          ? null
          : new Date(at.getTime() + answeredAfterHours * 3_600_000),
      decidedAt: status === "upheld" || status === "rejected" ? daysAgo(ageDays - 1) : null,
      eventId: null,
    };
  };

  it("costs per upheld complaint, less for a seller with many buyers", () => {
    const small = computeCredit(
      evidence({ distinctBuyers: 10, complaints: [complaint("upheld", 1)] }),
    );
    const large = computeCredit(
      evidence({ distinctBuyers: 1000, complaints: [complaint("upheld", 1)] }),
    );
    expect(factor(small.factors, "complaints").value).toBeLessThan(
      factor(large.factors, "complaints").value!,
    );
    expect(factor(small.factors, "complaints").evidence).toHaveLength(1);
  });

  it("measures answers against the organisation's own committed response time", () => {
    const complaints = [complaint("answered", 30), complaint("answered", 2)];
    const committed24 = computeCredit(evidence({ complaints, answerHours: 24 }));
    const default48 = computeCredit(evidence({ complaints }));
    expect(factor(committed24.factors, "answers").value).toBe(0.5);
    expect(factor(default48.factors, "answers").value).toBe(1);
  });

  it("counts an unanswered complaint as late only once its time has passed", () => {
    const waiting = computeCredit(evidence({ complaints: [complaint("open", null, 1)] }));
    const overdue = computeCredit(evidence({ complaints: [complaint("open", null, 5)] }));
    expect(factor(waiting.factors, "answers").value).toBe(1);
    expect(factor(overdue.factors, "answers").value).toBe(0);
  });
});

describe("inspections", () => {
  const inspection = (i: number, conclusion: "pass" | "fail") => ({
    id: `ins_${i}`,
    conclusion,
    at: daysAgo(10),
    eventId: i,
  });

  it("applies to producers, with a failed inspection cancelling three passes", () => {
    const producer = { seller: false, producer: true };
    const passes = Array.from({ length: 6 }, (_, i) => inspection(i, "pass"));
    const clean = computeCredit(evidence({ roles: producer, inspections: passes }));
    const failed = computeCredit(
      evidence({ roles: producer, inspections: [...passes, inspection(9, "fail")] }),
    );
    expect(factor(clean.factors, "reviews").weight).toBe(0);
    expect(factor(clean.factors, "reviews").value).toBeNull();
    const d = decay(daysAgo(10), NOW);
    expect(factor(clean.factors, "inspections").value).toBeCloseTo((6 * d) / (6 * d + 1), 3);
    expect(factor(failed.factors, "inspections").value).toBeCloseTo(
      (6 * d) / (6 * d + 3 * d + 1),
      3,
    );
  });
});

describe("lists", () => {
  it("makes a black-listed organisation D and shows the entry", () => {
    const result = computeCredit(
      evidence({
        reviews: reviewsOf(100),
        listEntries: [{ id: "lst_1", list: "black", severity: "general", listedOn: "2026-05-01" }],
      }),
    );
    expect(result.grade).toBe("D");
    expect(factor(result.factors, "black_list")).toMatchObject({ contribution: -30, value: 1 });
    expect(factor(result.factors, "black_list").evidence[0]).toMatchObject({
      type: "list_entry",
      id: "lst_1",
    });
  });

  it("gives a red-listed organisation a bonus visible in the breakdown", () => {
    const plain = computeCredit(evidence({ reviews: reviewsOf(30) }));
    const red = computeCredit(
      evidence({
        reviews: reviewsOf(30),
        listEntries: [{ id: "lst_r", list: "red", severity: "general", listedOn: "2026-05-01" }],
      }),
    );
    expect(factor(red.factors, "red_list").contribution).toBe(CREDIT_PARAMS.redListBonus);
    expect(Math.abs(red.score - plain.score - CREDIT_PARAMS.redListBonus)).toBeLessThan(0.11);
  });
});

describe("organisations no quality factor applies to", () => {
  it("start from a base of 100 that only penalties move", () => {
    const carrier = evidence({
      roles: { seller: false, producer: false },
      confirmedAlerts: [
        { id: "a", kind: "impossible_transit", severity: "medium", at: NOW, evidence: [] },
      ],
    });
    const result = computeCredit(carrier);
    expect(factor(result.factors, "base").contribution).toBe(100);
    expect(result.score).toBe(90);
  });
});

// Arbitrary evidence, for the properties below.
const arbDate = fc.integer({ min: 0, max: 3 * 365 }).map(daysAgo);
const arbReview = fc.record({
  id: fc.uuid(),
  rating: fc.integer({ min: 1, max: 5 }),
  buyerRef: fc.option(fc.constantFrom("a", "b", "c", "d", "e", "f", "g", "h", "i", "j"), {
    nil: null,
  }),
  at: arbDate,
  deliveredAt: fc.option(arbDate, { nil: null }),
  eventId: fc.option(fc.nat(), { nil: null }),
});
const arbComplaint = fc.record({
  id: fc.uuid(),
  status: fc.constantFrom<ComplaintEvidence["status"][]>("open", "answered", "upheld", "rejected"),
  at: arbDate,
  answeredAt: fc.option(arbDate, { nil: null }),
  decidedAt: fc.option(arbDate, { nil: null }),
  eventId: fc.option(fc.nat(), { nil: null }),
});
const arbEvidence: fc.Arbitrary<CreditEvidence> = fc.record({
  now: fc.constant(NOW),
  roles: fc.record({ seller: fc.boolean(), producer: fc.boolean() }),
  reviews: fc.array(arbReview, { maxLength: 30 }),
  distinctBuyers: fc.nat({ max: 5000 }),
  complaints: fc.array(arbComplaint, { maxLength: 10 }),
  answerHours: fc.option(fc.integer({ min: 1, max: 720 }), { nil: null }),
  inspections: fc.array(
    fc.record({
      id: fc.uuid(),
      conclusion: fc.constantFrom<("pass" | "fail")[]>("pass", "fail"),
      at: arbDate,
      eventId: fc.constant(null),
    }),
    { maxLength: 10 },
  ),
  confirmedAlerts: fc.array(
    fc.record({
      id: fc.uuid(),
      kind: fc.constant("sales_burst"),
      severity: fc.constantFrom<("low" | "medium" | "high")[]>("low", "medium", "high"),
      at: arbDate,
      evidence: fc.array(fc.nat(), { maxLength: 3 }),
    }),
    { maxLength: 5 },
  ),
  commitmentViolations: fc.array(
    fc.record({
      id: fc.uuid(),
      source: fc.constantFrom<("complaint" | "alert")[]>("complaint", "alert"),
      at: arbDate,
      eventId: fc.constant(null),
    }),
    { maxLength: 3 },
  ),
  listEntries: fc.array(
    fc.record({
      id: fc.uuid(),
      list: fc.constantFrom<("red" | "black")[]>("red", "black"),
      severity: fc.constantFrom<("minor" | "general" | "serious")[]>("minor", "general", "serious"),
      listedOn: fc.constant("2026-01-01"),
    }),
    { maxLength: 2 },
  ),
});

describe("properties", () => {
  it("keeps the score within 0-100 and the grade consistent with it", () => {
    fc.assert(
      fc.property(arbEvidence, (e) => {
        const r = computeCredit(e);
        expect(r.score).toBeGreaterThanOrEqual(0);
        expect(r.score).toBeLessThanOrEqual(100);
        if (e.listEntries.some((l) => l.list === "black")) expect(r.grade).toBe("D");
        else if (r.grade !== "M") expect(r.grade).toBe(gradeOf(r.score));
      }),
    );
  });

  it("does not depend on the order evidence comes in", () => {
    fc.assert(
      fc.property(arbEvidence, (e) => {
        const reversed = {
          ...e,
          reviews: [...e.reviews].reverse(),
          complaints: [...e.complaints].reverse(),
          inspections: [...e.inspections].reverse(),
          confirmedAlerts: [...e.confirmedAlerts].reverse(),
        };
        const a = computeCredit(e);
        const b = computeCredit(reversed);
        expect(b.score).toBeCloseTo(a.score, 6);
        expect(b.grade).toBe(a.grade);
      }),
    );
  });

  // Complaints are about sellers: for them the complaint factors always apply, so one more cannot reweigh the rest.
  it("never raises the score for a confirmed alert, a violation or an upheld complaint", () => {
    fc.assert(
      fc.property(arbEvidence, arbDate, (any, at) => {
        const e = { ...any, roles: { ...any.roles, seller: true } };
        const base = computeCredit(e).score;
        const alert = computeCredit({
          ...e,
          confirmedAlerts: [
            ...e.confirmedAlerts,
            { id: "x", kind: "empty_parcel", severity: "low", at, evidence: [] },
          ],
        }).score;
        const violation = computeCredit({
          ...e,
          commitmentViolations: [
            ...e.commitmentViolations,
            { id: "v", source: "complaint", at, eventId: null },
          ],
        }).score;
        const upheld = computeCredit({
          ...e,
          complaints: [
            ...e.complaints,
            { id: "u", status: "upheld", at, answeredAt: null, decidedAt: at, eventId: null },
          ],
        }).score;
        expect(alert).toBeLessThanOrEqual(base);
        expect(violation).toBeLessThanOrEqual(base);
        expect(upheld).toBeLessThanOrEqual(base + 1e-9);
      }),
    );
  });

  it("never raises the score for a new 1-star review", () => {
    fc.assert(
      fc.property(arbEvidence, (e) => {
        const base = computeCredit(e).score;
        const worse = computeCredit({
          ...e,
          reviews: [
            ...e.reviews,
            {
              id: "z",
              rating: 1,
              buyerRef: "new",
              at: NOW,
              deliveredAt: daysAgo(2),
              eventId: null,
            },
          ],
        }).score;
        expect(worse).toBeLessThanOrEqual(base + 1e-9);
      }),
    );
  });

  it("keeps a seller whose reviews all come from one buyer below A, whatever else it has", () => {
    fc.assert(
      fc.property(arbEvidence, fc.integer({ min: 1, max: 200 }), (e, n) => {
        const selfDealt = {
          ...e,
          roles: { seller: true, producer: e.roles.producer },
          reviews: reviewsOf(n, 5, { buyer: "me" }),
        };
        const r = computeCredit(selfDealt);
        expect(r.grade).not.toBe("A");
        expect(r.score).toBeLessThan(CREDIT_PARAMS.bands.A);
      }),
    );
  });

  it("keeps a seller whose 5-star reviews all come within minutes of delivery below A", () => {
    fc.assert(
      fc.property(arbEvidence, fc.integer({ min: 1, max: 500 }), (e, n) => {
        const r = computeCredit({
          ...e,
          roles: { seller: true, producer: e.roles.producer },
          reviews: reviewsOf(n, 5, { fast: true }),
        });
        expect(r.grade).not.toBe("A");
      }),
    );
  });

  it("sums the factor contributions to the score (before clamping)", () => {
    fc.assert(
      fc.property(arbEvidence, (e) => {
        const r = computeCredit(e);
        const sum = r.factors.reduce((s, f) => s + f.contribution, 0);
        expect(Math.abs(r.score - Math.min(100, Math.max(0, sum)))).toBeLessThanOrEqual(
          0.05 + 1e-9,
        );
      }),
    );
  });
});
