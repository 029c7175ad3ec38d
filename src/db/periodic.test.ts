// Periodic jobs on several nodes: one claim per period, whoever claims first.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb } from "../../test/db";
import { FixedClock } from "../lib/clock";
import { oncePerPeriod } from "./periodic";
import type { DatabaseHandle } from "./types";

let handle: DatabaseHandle;
beforeAll(async () => {
  handle = await createTestDb();
});
afterAll(() => handle.close());

describe("oncePerPeriod", () => {
  it("runs a job once per period however many nodes claim it at once", async () => {
    const clock = new FixedClock();
    let runs = 0;
    const claim = () =>
      oncePerPeriod(handle.db, clock, "rules", 60_000, async () => {
        runs += 1;
      });
    const claims = await Promise.all(Array.from({ length: 5 }, claim));
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(runs).toBe(1);
    // Half a period later the period is still taken; a whole period later it is due again.
    clock.advance(30_000);
    expect(await claim()).toBe(false);
    clock.advance(30_000);
    expect(await claim()).toBe(true);
    expect(runs).toBe(2);
    // A timer a little early (drift between nodes) still gets the next period.
    clock.advance(57_000);
    expect(await claim()).toBe(true);
    // Another job has periods of its own.
    expect(await oncePerPeriod(handle.db, clock, "other", 60_000, async () => undefined)).toBe(
      true,
    );
  });
});
