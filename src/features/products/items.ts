// Serialised items: commissioning with unguessable serials in bulk, and reading them back.
import { and, asc, eq, gt, sql } from "drizzle-orm";
import type { Gtin14 } from "../../codes";
import { rowsOf } from "../../db/rows";
import { type Item, items, type Lot, lots, type Org, type Product } from "../../db/schema";
import type { Db, Transaction } from "../../db/types";
import type { Clock } from "../../lib/clock";
import { AppError } from "../../lib/errors";
import { decodeCursor, encodeCursor } from "../../lib/pagination";
import { randomString } from "../../lib/random";
import { recordCommissioning } from "../events/commission";
import { assertOwner, getProduct } from "./service";

/**
 * Generated serials: letters and digits of the AI (21) character set without the GB/T 33993
 * forbidden characters (no punctuation at all) and without the look-alikes 0/O, 1/I/l: 57
 * characters. 12 of them carry 12 × log2(57) ≈ 12 × 5.83 ≈ 70 bits, above the 64 bits that keep a
 * counterfeiter from guessing valid codes: with a billion items of a GTIN in circulation, a
 * guess hits one with probability 2^30 / 2^70 ≈ 1e-12.
 */
export const SERIAL_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
export const SERIAL_LENGTH = 12;

/**
 * Rows per INSERT. The serials of a chunk travel as one text parameter split in SQL, not as
 * 8 bind parameters per row: building and binding 40,000 parameters costs more than the insert
 * itself (measured on PGlite: ~4x slower for 5,000 rows).
 */
const ROWS_PER_INSERT = 5_000;
/** Generated serials clash with probability ~n²/2^71; retrying a few times is more than enough. */
const MAX_GENERATION_ROUNDS = 5;
/** getRandomValues gives at most 64 KiB at a time; randomString asks for ~1.3 bytes per character. */
const SERIALS_PER_DRAW = 3_000;
/** Joins a chunk of serials; a line feed is outside the AI (21) character set, so it cannot occur in one. */
const SEPARATOR = "\n";

/** `n` distinct serials; drawn in blocks, since one CSPRNG call per serial is slow at 100,000. */
export function generateSerials(n: number): string[] {
  const out = new Set<string>();
  while (out.size < n) {
    const want = Math.min(n - out.size, SERIALS_PER_DRAW);
    const block = randomString(want * SERIAL_LENGTH, SERIAL_ALPHABET);
    for (let i = 0; i < block.length; i += SERIAL_LENGTH) {
      out.add(block.slice(i, i + SERIAL_LENGTH));
    }
  }
  return [...out];
}

export interface CommissionContext {
  clock: Clock;
  /** Told the number of items written so far, after each statement (for a progress bar). */
  onProgress?: (written: number) => void;
}

export interface CommissionRequest {
  lot: Lot;
  product: Product;
  /** The caller's own serials (validated and unique), or how many to generate. */
  serials: readonly string[] | { generate: number };
  actor: Org;
}

export interface CommissionedRow {
  id: number;
  gtin: Gtin14;
  serial: string;
}

/**
 * Creates the items of a lot in state `commissioned`, held by the producer, inside the caller's
 * transaction, so that whatever else the commissioning records commits or rolls back with it.
 */
export async function commissionItems(
  tx: Transaction,
  ctx: CommissionContext,
  { lot, product, serials, actor }: CommissionRequest,
): Promise<CommissionedRow[]> {
  assertOwner(product, actor, "commission its items");
  // Read the lot again under a share lock: a recall committed since the caller loaded it counts.
  const [current] = await tx
    .select({ recalled: lots.recalled })
    .from(lots)
    .where(eq(lots.id, lot.id))
    .for("share");
  if (!current)
    throw new AppError("not_found", `lot ${lot.lot} of GTIN ${lot.gtin} does not exist`);
  if (current.recalled) {
    throw new AppError("conflict", `lot ${lot.lot} of GTIN ${lot.gtin} is recalled`, {
      currentState: "recalled",
    });
  }
  const at = ctx.clock.now().toISOString();
  const insert = async (chunk: readonly string[]): Promise<CommissionedRow[]> => {
    const result = await tx.execute(sql`
      insert into ${items} (gtin, serial, lot_id, state, custodian_org_id, commissioned_at, updated_at)
      select ${product.gtin}, serial, ${lot.id}, 'commissioned', ${actor.id}, ${at}::timestamptz, ${at}::timestamptz
      from unnest(string_to_array(${chunk.join(SEPARATOR)}, ${SEPARATOR})) as serial
      on conflict (gtin, serial) do nothing
      returning id, gtin, serial`);
    // postgres.js returns bigint columns as BigInt, PGlite as number.
    return rowsOf<{ id: number | bigint; gtin: Gtin14; serial: string }>(result).map((r) => ({
      id: Number(r.id),
      gtin: r.gtin,
      serial: r.serial,
    }));
  };

  const inserted: CommissionedRow[] = [];
  if (Array.isArray(serials)) {
    const given = serials as readonly string[];
    for (let start = 0; start < given.length; start += ROWS_PER_INSERT) {
      const chunk = given.slice(start, start + ROWS_PER_INSERT);
      const rows = await insert(chunk);
      if (rows.length < chunk.length) throw alreadyCommissioned(product.gtin, chunk, rows, start);
      inserted.push(...rows);
      ctx.onProgress?.(inserted.length);
    }
    return inserted;
  }

  let wanted = (serials as { generate: number }).generate;
  for (let round = 0; wanted > 0; round++) {
    if (round === MAX_GENERATION_ROUNDS) {
      throw new Error(`could not generate ${wanted} unused serials for GTIN ${product.gtin}`);
    }
    // Sorted, each statement fills one stretch of the (gtin, serial) index: ~20% faster on PGlite.
    const fresh = generateSerials(wanted).sort();
    for (let start = 0; start < fresh.length; start += ROWS_PER_INSERT) {
      const rows = await insert(fresh.slice(start, start + ROWS_PER_INSERT));
      inserted.push(...rows);
      wanted -= rows.length;
      ctx.onProgress?.(inserted.length);
    }
  }
  return inserted;
}

/**
 * Commissioning as the API and the console do it: the items and their commissioning event are
 * written together, or not at all; `also` runs in the same transaction (the console's activity row).
 */
export function commissionLot(
  db: Db,
  ctx: CommissionContext,
  request: CommissionRequest,
  also?: (tx: Db, rows: CommissionedRow[]) => Promise<void>,
): Promise<CommissionedRow[]> {
  const { product, lot, actor } = request;
  return db.transaction(async (tx) => {
    const rows = await commissionItems(tx, ctx, request);
    const now = ctx.clock.now();
    await recordCommissioning(tx, now, {
      gtin: product.gtin,
      lot: lot.lot,
      serials: rows.map((r) => r.serial),
      actorOrgId: actor.id,
      eventTime: now,
      productionDate: lot.productionDate,
      expiryDate: lot.expiryDate,
    });
    await also?.(tx, rows);
    return rows;
  });
}

function alreadyCommissioned(
  gtin: string,
  chunk: readonly string[],
  rows: readonly CommissionedRow[],
  offset: number,
): AppError {
  const done = new Set(rows.map((r) => r.serial));
  const clashes = chunk.flatMap((serial, i) => (done.has(serial) ? [] : [{ serial, i }]));
  const shown = clashes.slice(0, 10).map((c) => c.serial);
  return new AppError(
    "conflict",
    `${clashes.length} of these serials already exist for GTIN ${gtin}: ${shown.join(", ")}${clashes.length > shown.length ? ", …" : ""}`,
    {
      errors: clashes.slice(0, 100).map(({ i }) => ({
        path: `json.serials.${offset + i}`,
        message: "already commissioned for this GTIN",
      })),
    },
  );
}

export async function getItem(
  db: Db,
  gtin: Gtin14,
  serial: string,
): Promise<{ item: Item; lot: Lot; product: Product }> {
  const product = await getProduct(db, gtin);
  const [row] = await db
    .select({ item: items, lot: lots })
    .from(items)
    .innerJoin(lots, eq(lots.id, items.lotId))
    .where(and(eq(items.gtin, gtin), eq(items.serial, serial)));
  if (!row) {
    throw new AppError(
      "not_found",
      `serial ${serial} of GTIN ${gtin} is not registered with this service`,
      { registered: false },
    );
  }
  return { ...row, product };
}

/** One page of a lot's items in commissioning order (keyset on the item id). */
export async function itemPage(db: Db, lotId: string, page: { limit: number; cursor?: string }) {
  const position = decodeCursor(page.cursor);
  const after = position ? Number(position.id) : 0;
  const rows = await db
    .select()
    .from(items)
    .where(and(eq(items.lotId, lotId), gt(items.id, Number.isSafeInteger(after) ? after : 0)))
    .orderBy(asc(items.id))
    .limit(page.limit + 1);
  const shown = rows.slice(0, page.limit);
  const last = shown.at(-1);
  return {
    items: shown,
    next:
      rows.length > page.limit && last
        ? encodeCursor({ at: last.commissionedAt.toISOString(), id: String(last.id) })
        : null,
  };
}

/** Every serial of a lot in commissioning order, a batch at a time, for exports and label sheets. */
export async function* lotSerialBatches(
  db: Db,
  lotId: string,
  options: { batchSize?: number; offset?: number; limit?: number } = {},
): AsyncGenerator<string[]> {
  const batchSize = options.batchSize ?? 10_000;
  let remaining = options.limit ?? Number.POSITIVE_INFINITY;
  let afterId = 0;
  if (options.offset) {
    // Find where the wanted range starts without fetching the rows before it.
    const [start] = await db
      .select({ id: items.id })
      .from(items)
      .where(eq(items.lotId, lotId))
      .orderBy(asc(items.id))
      .offset(options.offset - 1)
      .limit(1);
    if (!start) return;
    afterId = start.id;
  }
  while (remaining > 0) {
    const batch = await db
      .select({ id: items.id, serial: items.serial })
      .from(items)
      .where(and(eq(items.lotId, lotId), gt(items.id, afterId)))
      .orderBy(asc(items.id))
      .limit(Math.min(batchSize, remaining));
    if (batch.length === 0) return;
    yield batch.map((b) => b.serial);
    remaining -= batch.length;
    afterId = batch.at(-1)!.id;
  }
}

/** How many items of a lot are in each state. */
export async function itemStateCounts(db: Db, lotId: string) {
  const rows = await db
    .select({ state: items.state, n: sql<number>`count(*)::int` })
    .from(items)
    .where(eq(items.lotId, lotId))
    .groupBy(items.state);
  return rows.map((r) => ({ state: r.state, n: Number(r.n) }));
}
