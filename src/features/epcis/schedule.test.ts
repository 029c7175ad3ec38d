// Query schedules: the standard's field grammar, omitted fields, and the next run in China time.
import { describe, expect, it } from "vitest";
import { nextRun, parseSchedule, type ScheduleInput } from "./schedule";

const cst = (local: string) => new Date(`${local}+08:00`);
const next = (input: ScheduleInput, after: string) =>
  nextRun(parseSchedule(input), cst(after))?.toISOString();

describe("nextRun", () => {
  it("runs {hour: 1, minute: 5} at 01:05:00 each day, China time", () => {
    expect(next({ hour: "1", minute: "5" }, "2026-12-02T00:00:00")).toBe(
      cst("2026-12-02T01:05:00").toISOString(),
    );
    // Strictly after: the run at 01:05:00 is followed by the next day's.
    expect(next({ hour: "1", minute: "5" }, "2026-12-02T01:05:00")).toBe(
      cst("2026-12-03T01:05:00").toISOString(),
    );
  });

  it("reads lists and ranges", () => {
    const input = { minute: "[0-10],30" };
    expect(next(input, "2026-12-02T10:05:30")).toBe(cst("2026-12-02T10:06:00").toISOString());
    expect(next(input, "2026-12-02T10:10:00")).toBe(cst("2026-12-02T10:30:00").toISOString());
    expect(next(input, "2026-12-02T23:30:00")).toBe(cst("2026-12-03T00:00:00").toISOString());
  });

  it("matches every value of an omitted field above the given ones, the minimum below", () => {
    // Day 1 = Monday; 2026-12-02 is a Wednesday.
    expect(next({ dayOfWeek: "1" }, "2026-12-02T12:00:00")).toBe(
      cst("2026-12-07T00:00:00").toISOString(),
    );
    expect(next({ second: "30" }, "2026-12-02T12:00:30")).toBe(
      cst("2026-12-02T12:01:30").toISOString(),
    );
  });

  it("needs day of month and day of week both to match when both are given", () => {
    // The first Friday the 13th after December 2026.
    expect(next({ dayOfMonth: "13", dayOfWeek: "5" }, "2026-12-02T00:00:00")).toBe(
      cst("2027-08-13T00:00:00").toISOString(),
    );
  });

  it("waits for 29 February", () => {
    expect(next({ month: "2", dayOfMonth: "29", hour: "9" }, "2026-12-02T00:00:00")).toBe(
      cst("2028-02-29T09:00:00").toISOString(),
    );
  });
});

describe("parseSchedule refuses, naming the field", () => {
  it.each([
    [{}, "schedule", "at least one"],
    [{ second: "60" }, "second", "outside 0-59"],
    [{ hour: "[5-3]" }, "hour", "runs backwards"],
    [{ dayOfWeek: "0" }, "dayOfWeek", "outside 1-7"],
    [{ minute: "*" }, "minute", "neither a number nor a range"],
    [{ month: "1-3" }, "month", "neither a number nor a range"],
    [{ month: "2", dayOfMonth: "31" }, "schedule", "never matches"],
  ] as [ScheduleInput, string, string][])("%j", (input, field, message) => {
    expect(() => parseSchedule(input)).toThrow(
      expect.objectContaining({ field, message: expect.stringContaining(message) }),
    );
  });
});
