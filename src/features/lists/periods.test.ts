// Publication periods of list entries and the calendar arithmetic under them.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addDays, addMonths, defaultAppeal, isPublished, publicationWindow } from "./periods";

describe("addMonths", () => {
  it("adds calendar months, clamping to the end of a shorter month", () => {
    expect(addMonths("2026-01-15", 3)).toBe("2026-04-15");
    expect(addMonths("2026-01-31", 1)).toBe("2026-02-28");
    expect(addMonths("2028-01-31", 1)).toBe("2028-02-29");
    expect(addMonths("2026-11-30", 3)).toBe("2027-02-28");
    expect(addMonths("2026-06-01", 36)).toBe("2029-06-01");
    expect(addMonths("2026-06-01", 0)).toBe("2026-06-01");
  });

  it("never goes backwards and never moves more than the months asked", () => {
    const day = fc.date({
      min: new Date("2000-01-01"),
      max: new Date("2090-12-31"),
      noInvalidDate: true,
    });
    fc.assert(
      fc.property(day, fc.integer({ min: 0, max: 48 }), (d, months) => {
        const from = d.toISOString().slice(0, 10);
        const to = addMonths(from, months);
        expect(to >= from).toBe(true);
        const days = (Date.parse(to) - Date.parse(from)) / 86_400_000;
        expect(days).toBeLessThanOrEqual(months * 31);
        expect(days).toBeGreaterThanOrEqual(months * 28 - 3);
      }),
    );
  });
});

describe("publication windows", () => {
  it("follows the credit-repair rules for black-list entries", () => {
    expect(publicationWindow("black", "minor", "2026-06-01")).toEqual({
      minPublishUntil: "2026-06-01",
      maxPublishUntil: "2026-09-01",
    });
    expect(publicationWindow("black", "general", "2026-06-01")).toEqual({
      minPublishUntil: "2026-09-01",
      maxPublishUntil: "2027-06-01",
    });
    expect(publicationWindow("black", "serious", "2026-06-01")).toEqual({
      minPublishUntil: "2027-06-01",
      maxPublishUntil: "2029-06-01",
    });
  });

  it("publishes a red-list entry for one year", () => {
    expect(publicationWindow("red", "general", "2026-06-01").maxPublishUntil).toBe("2027-06-01");
  });

  it("publishes from the listed date until the day before the maximum, unless removed", () => {
    const entry = { listedOn: "2026-06-01", maxPublishUntil: "2026-09-01", removedAt: null };
    expect(isPublished(entry, "2026-05-31")).toBe(false);
    expect(isPublished(entry, "2026-06-01")).toBe(true);
    expect(isPublished(entry, "2026-08-31")).toBe(true);
    expect(isPublished(entry, "2026-09-01")).toBe(false);
    expect(isPublished({ ...entry, removedAt: new Date() }, "2026-07-01")).toBe(false);
  });

  it("publishes the appeal deadlines with the entry", () => {
    expect(addDays("2026-06-01", 60)).toBe("2026-07-31");
    const appeal = defaultAppeal("2026-06-01", "台州市市场监督管理局");
    expect(appeal).toContain("2026-07-31");
    expect(appeal).toContain("2026-12-01");
    expect(appeal).toContain("台州市市场监督管理局");
  });
});
