// Group commit of sales: the rules per request inside one shared transaction, and all or nothing at commit.
import { and, count, eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "../../../test/app";
import { onPostgres } from "../../../test/db";
import { type Cast, makeCast } from "../../../test/factories";
import { listProduct, type SeededLot, seedLot } from "../../../test/seed";
import { countStatements } from "../../../test/statements";
import { alerts, events, items, receipts } from "../../db/schema";
import { type SaleBatcher, saleBatcher } from "./sale-batch";

let t: TestApp;
let cast: Cast;
let batcher: SaleBatcher;
beforeAll(async () => {
  // A long window, so that every request of a test is in one batch however slow the machine.
  t = await createTestApp({
    sales: (db) => {
      batcher = saleBatcher(db, 200);
      return batcher;
    },
  });
  cast = await makeCast(t);
});
afterAll(() => t.close());

async function listedLot(n: number): Promise<SeededLot> {
  const lot = await seedLot(t, cast.producer, { count: n });
  await listProduct(t, cast.seller, lot.gtin);
  return lot;
}

/** Sends the sales at once; each answer with its status and body, in the order sent. */
function sellAll(orders: { item: string; orderNumber: string }[]) {
  return Promise.all(
    orders.map(async ({ item, orderNumber }) => {
      const res = await t.request("POST", "/v1/events", {
        key: cast.seller.key,
        json: { kind: "sale", items: [item], orderNumber, buyerRef: "buyer-1" },
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    }),
  );
}

const soldOf = async (lot: SeededLot) =>
  (
    await t.db
      .select({ n: count() })
      .from(items)
      .where(and(eq(items.lotId, lot.lotId), eq(items.state, "sold")))
  )[0]!.n;

const eventsOf = async (orderNumbers: string[]) =>
  (
    await t.db
      .select({ n: count() })
      .from(events)
      .where(
        inArray(
          sql`${events.document}->'bizTransactionList'->0->>'bizTransaction'`,
          orderNumbers.map((o) => `urn:zhuisu:po:${cast.seller.org.id}:${o}`),
        ),
      )
  )[0]!.n;

describe("group commit of sales", () => {
  it("decides 64 concurrent sales with 3 conflicting pairs in one transaction: 61 sold, 3 refused", async () => {
    const lot = await listedLot(61);
    // 58 items sold once each, and 3 items that two orders each try to sell.
    const orders = lot.items.slice(0, 58).map((it, i) => ({ item: it.key, orderNumber: `A-${i}` }));
    for (const [n, it] of lot.items.slice(58).entries())
      orders.push(
        { item: it.key, orderNumber: `P-${n}-first` },
        { item: it.key, orderNumber: `P-${n}-second` },
      );
    const before = { ...batcher.stats };
    const counter = countStatements(t.db);
    let answers: Awaited<ReturnType<typeof sellAll>>;
    try {
      answers = await sellAll(orders);
    } finally {
      counter.stop();
    }
    expect(batcher.stats.batches - before.batches).toBe(1);
    expect(batcher.stats.largest).toBe(64);
    // Besides each request's key: one transaction of the lock, the look for stored twins of the
    // refused, the append and the receipts.
    const batchStatements = counter.sent.filter((s) => !s.includes('"api_keys"'));
    expect(batchStatements, counter.sent.join("\n")).toHaveLength(5);
    expect(batchStatements.filter((s) => s === "begin … commit")).toHaveLength(1);

    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(61);
    const refused = answers.filter((a) => a.status === 409);
    expect(refused).toHaveLength(3);
    // Within each pair one order wins (the first to reach the batch) and the other is told why not.
    for (const n of [0, 1, 2]) {
      const pair = [answers[58 + 2 * n]!, answers[59 + 2 * n]!];
      expect(pair.map((a) => a.status).sort()).toEqual([201, 409]);
      expect(pair.find((a) => a.status === 409)!.body).toMatchObject({
        code: "custody_violation",
        rule: "sold_once",
        item: lot.items[58 + n]!.key,
        state: "sold",
      });
    }
    expect(await soldOf(lot)).toBe(61);
    expect(await eventsOf(orders.map((o) => o.orderNumber))).toBe(61);
    const issued = await t.db
      .select({ n: count() })
      .from(receipts)
      .where(
        inArray(
          receipts.itemId,
          lot.items.map((i) => i.id),
        ),
      );
    expect(issued[0]!.n).toBe(61);
    // Every success carries its own event and its own receipt.
    const ids = new Set(
      answers.filter((a) => a.status === 201).map((a) => (a.body.event as { id: number }).id),
    );
    expect(ids.size).toBe(61);
  });

  it("answers a retry that shares the batch with its original by the original's event", async () => {
    const lot = await listedLot(1);
    const answers = await sellAll([
      { item: lot.items[0]!.key, orderNumber: "R-1" },
      { item: lot.items[0]!.key, orderNumber: "R-1" },
    ]);
    // Whichever reached the batch first is the original.
    const first = answers.find((a) => a.status === 201);
    const retry = answers.find((a) => a.status === 200);
    expect(retry!.body.duplicate).toBe(true);
    expect((retry!.body.event as { id: number }).id).toBe((first!.body.event as { id: number }).id);
    expect(await eventsOf(["R-1"])).toBe(1);
  });

  it("answers a retry of a sale committed earlier by the stored event", async () => {
    const lot = await listedLot(1);
    const [first] = await sellAll([{ item: lot.items[0]!.key, orderNumber: "S-1" }]);
    const [retry, other] = await sellAll([
      { item: lot.items[0]!.key, orderNumber: "S-1" },
      { item: lot.items[0]!.key, orderNumber: "S-2" },
    ]);
    expect(retry!.status).toBe(200);
    expect((retry!.body.event as { id: number }).id).toBe((first!.body.event as { id: number }).id);
    expect(other!.status).toBe(409);
  });

  it("refuses a sale of recalled goods with its alert, and records the rest of the batch", async () => {
    const lot = await listedLot(3);
    await t.db.update(items).set({ recalled: true }).where(eq(items.id, lot.items[0]!.id));
    const answers = await sellAll([
      { item: lot.items[0]!.key, orderNumber: "C-0" },
      { item: lot.items[1]!.key, orderNumber: "C-1" },
      { item: "/01/09506000134352/21/NEVERMADE", orderNumber: "C-2" },
      { item: lot.items[2]!.key, orderNumber: "C-3" },
    ]);
    expect(answers.map((a) => a.status)).toEqual([409, 201, 422, 201]);
    expect(answers[0]!.body.rule).toBe("recalled_not_sold");
    expect(answers[2]!.body.code).toBe("validation_failed");
    const raised = await t.db
      .select()
      .from(alerts)
      .where(and(eq(alerts.kind, "sale_of_recalled"), eq(alerts.orgId, cast.seller.org.id)));
    expect(raised.length).toBeGreaterThan(0);
    expect(await soldOf(lot)).toBe(2);
  });

  it("records a batch whose statement fails for one request one by one, so only that request fails", async () => {
    const lot = await listedLot(3);
    await failReceiptsOf(lot.items[1]!.id, "immediate");
    try {
      const replayed = batcher.stats.replayed;
      const answers = await sellAll(
        lot.items.map((it, i) => ({ item: it.key, orderNumber: `F-${i}` })),
      );
      expect(answers.map((a) => a.status)).toEqual([201, 500, 201]);
      expect(batcher.stats.replayed).toBe(replayed + 1);
      expect(await soldOf(lot)).toBe(2);
      expect(await eventsOf(["F-0", "F-1", "F-2"])).toBe(2);
    } finally {
      await dropFailure();
    }
  });

  it("fails every request of a batch whose commit fails, and stores none of it", async () => {
    const lot = await listedLot(4);
    await failReceiptsOf(lot.items[2]!.id, "at commit");
    try {
      const replayed = batcher.stats.replayed;
      const answers = await sellAll(
        lot.items.map((it, i) => ({ item: it.key, orderNumber: `K-${i}` })),
      );
      // The commit is where it fails: nobody is told of a success, and nothing is tried again.
      expect(answers.map((a) => a.status)).toEqual([500, 500, 500, 500]);
      expect(batcher.stats.replayed).toBe(replayed);
      expect(await soldOf(lot)).toBe(0);
      expect(await eventsOf(["K-0", "K-1", "K-2", "K-3"])).toBe(0);
    } finally {
      await dropFailure();
    }
    // The same sales go through once the fault is gone.
    const again = await sellAll(
      lot.items.map((it, i) => ({ item: it.key, orderNumber: `K-${i}` })),
    );
    expect(again.map((a) => a.status)).toEqual([201, 201, 201, 201]);
  });

  it.skipIf(!onPostgres)(
    "leaves none of a batch whose connection dies in the middle, and tells every caller so",
    async () => {
      const lot = await listedLot(3);
      // The database ends the batch's connection while it writes the receipts: as a crash would.
      await t.db.execute(sql`
        create function zs_test_crash() returns trigger language plpgsql as $$
        begin perform pg_terminate_backend(pg_backend_pid()); return new; end $$`);
      await t.db.execute(sql`
        create trigger zs_test_crash after insert on receipts for each statement
        execute function zs_test_crash()`);
      try {
        const answers = await sellAll(
          lot.items.map((it, i) => ({ item: it.key, orderNumber: `X-${i}` })),
        );
        for (const answer of answers) expect(answer.status).toBeGreaterThanOrEqual(500);
        expect(await soldOf(lot)).toBe(0);
        expect(await eventsOf(["X-0", "X-1", "X-2"])).toBe(0);
      } finally {
        await t.db.execute(sql`drop trigger zs_test_crash on receipts`);
        await t.db.execute(sql`drop function zs_test_crash()`);
      }
    },
  );
});

if (!onPostgres) {
  console.warn(
    "sale-batch.test: the connection killed mid-batch needs PostgreSQL (TEST_DATABASE_URL); PGlite has one in-process connection",
  );
}

/** Makes the receipt of one item fail: in its statement, or (deferred) at the commit. */
async function failReceiptsOf(itemId: number, when: "immediate" | "at commit") {
  await t.db.execute(
    sql.raw(`
    create function zs_test_fail() returns trigger language plpgsql as $$
    begin
      if new.item_id = ${itemId} then raise exception 'receipt of item % refused by the test', new.item_id; end if;
      return new;
    end $$`),
  );
  await t.db.execute(
    sql.raw(
      when === "immediate"
        ? "create trigger zs_test_fail after insert on receipts for each row execute function zs_test_fail()"
        : "create constraint trigger zs_test_fail after insert on receipts deferrable initially deferred for each row execute function zs_test_fail()",
    ),
  );
}

async function dropFailure() {
  await t.db.execute(sql`drop trigger zs_test_fail on receipts`);
  await t.db.execute(sql`drop function zs_test_fail()`);
}
