// The append path: one row per distinct event, duplicates answered with the stored row, eventIDs not reused.
import { count } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb } from "../../test/db";
import { observeDraft } from "../../test/drafts";
import { eventSubjects, events } from "../db/schema";
import type { DatabaseHandle } from "../db/types";
import { appendEvents } from "./append";

let h: DatabaseHandle;
beforeAll(async () => {
  h = await createTestDb();
});
afterAll(() => h.close());

const at = new Date("2026-06-01T08:00:00.000Z");
const draft = (serial: string, extra: Record<string, unknown> = {}) =>
  observeDraft(serial, at, extra);

describe("appendEvents", () => {
  it("stores a batch in multi-row inserts with its subjects, and gives eventless events their hash as eventID", async () => {
    const drafts = Array.from({ length: 2500 }, (_, i) => draft(`B${i}`));
    const appended = await h.db.transaction((tx) => appendEvents(tx, at, drafts));
    expect(appended.filter((a) => a.duplicate)).toHaveLength(0);
    expect(appended[0]!.row.eventId).toBe(appended[0]!.row.hashId);
    expect(appended[0]!.row.eventId).toMatch(/^ni:\/\/\/sha-256;[0-9a-f]{64}\?ver=CBV2\.0$/);
    const [n] = await h.db.select({ n: count() }).from(eventSubjects);
    expect(n!.n).toBeGreaterThanOrEqual(2500);
  });

  it("stores an event sent twice (in one batch or again later) once", async () => {
    const before = (await h.db.select({ n: count() }).from(events))[0]!.n;
    const first = await h.db.transaction((tx) => appendEvents(tx, at, [draft("D1"), draft("D1")]));
    expect(first.map((a) => a.duplicate)).toEqual([false, true]);
    expect(first[1]!.row.id).toBe(first[0]!.row.id);
    const again = await h.db.transaction((tx) =>
      appendEvents(tx, new Date(at.getTime() + 5000), [draft("D1")]),
    );
    expect(again[0]!.duplicate).toBe(true);
    expect(again[0]!.row.recordTime.toISOString()).toBe(at.toISOString());
    expect((await h.db.select({ n: count() }).from(events))[0]!.n).toBe(before + 1);
  });

  it("refuses a client eventID reused for different content", async () => {
    await h.db.transaction((tx) =>
      appendEvents(tx, at, [
        draft("E1", { eventID: "urn:uuid:1c8e6c3c-0000-4000-8000-000000000001" }),
      ]),
    );
    await expect(
      h.db.transaction((tx) =>
        appendEvents(tx, at, [
          draft("E2", { eventID: "urn:uuid:1c8e6c3c-0000-4000-8000-000000000001" }),
        ]),
      ),
    ).rejects.toMatchObject({ code: "conflict" });
  });
});

describe("error declarations", () => {
  it("store a declaration of a stored event as a new event that names it, once", async () => {
    const original = draft("X1");
    const [first] = await h.db.transaction((tx) => appendEvents(tx, at, [original]));
    const declaration = draft("X1", {
      errorDeclaration: { declarationTime: "2026-06-02T08:00:00.000Z", reason: "incorrect_data" },
    });
    const [declared] = await h.db.transaction((tx) => appendEvents(tx, at, [declaration]));
    expect(declared!.duplicate).toBe(false);
    expect(declared!.row.id).not.toBe(first!.row.id);
    expect(declared!.row.declares).toBe(first!.row.id);
    expect(declared!.row.eventId).toBe(first!.row.eventId);
    expect(declared!.row.hashId).toBe(first!.row.hashId);
    expect(declared!.row.document.errorDeclaration).toBeDefined();
    const [again] = await h.db.transaction((tx) => appendEvents(tx, at, [declaration]));
    expect(again).toMatchObject({ duplicate: true, row: { id: declared!.row.id } });
    const [resent] = await h.db.transaction((tx) => appendEvents(tx, at, [original]));
    expect(resent).toMatchObject({ duplicate: true, row: { id: first!.row.id } });
  });
});
