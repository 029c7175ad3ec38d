// Start-up cost of the Merkle log: time and memory to sign a checkpoint or prove one event in a fresh process.
//   tsx scripts/bench-log.ts <postgres url of a scratch db> fill <leaves>
//   tsx scripts/bench-log.ts <url> sign|prove|legacy-sign|legacy-prove|drop-nodes
// `fill` migrates the database and writes synthetic events and leaves (never run it on real data);
// `legacy-*` rebuild the whole tree in memory, as the log did before log_nodes.
import { asc, sql } from "drizzle-orm";
import { migrate } from "../src/db/migrate";
import { openPostgres } from "../src/db/postgres";
import { rowsOf } from "../src/db/rows";
import { logLeaves } from "../src/db/schema";
import { generateSigningKey, importSigningKey, signCheckpoint } from "../src/ledger/checkpoint";
import { bytesToHex, hexToBytes } from "../src/ledger/hex";
import { checkpoint, storedLog } from "../src/ledger/log";
import { MerkleLog } from "../src/ledger/merkle";

const [url, step, count] = process.argv.slice(2);
if (!url || !step) throw new Error("usage: bench-log.ts <url> <step> [leaves]");
const handle = openPostgres(url, { max: 4 });
const { db } = handle;
const deps = {
  signingKey: await importSigningKey((await generateSigningKey()).privateKeyPkcs8),
  origin: "bench.zhuisu.example/log",
  now: () => new Date(),
};

async function size(): Promise<number> {
  const [row] = rowsOf<{ n: string | number }>(
    await db.execute(sql`select coalesce(max(leaf_index) + 1, 0) as n from log_leaves`),
  );
  return Number(row?.n ?? 0);
}

/** The log as it was kept before log_nodes: every leaf read and hashed into a tree in memory. */
async function treeFromAllLeaves(database: typeof db): Promise<MerkleLog> {
  const rows = await database
    .select({ leafHash: logLeaves.leafHash })
    .from(logLeaves)
    .orderBy(asc(logLeaves.leafIndex));
  return MerkleLog.fromLeafHashes(rows.map((r) => hexToBytes(r.leafHash)));
}

async function measure(what: string, run: () => Promise<string>): Promise<void> {
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  const result = await run();
  const ms = performance.now() - started;
  const peakMb = process.resourceUsage().maxRSS / 1024;
  console.log(
    `${what}: ${ms.toFixed(0)} ms, RSS ${(rssBefore / 2 ** 20).toFixed(0)} → peak ${peakMb.toFixed(0)} MB (${result})`,
  );
}

if (step === "fill") {
  await migrate(handle);
  const n = Number(count ?? 1_000_000);
  for (let first = 0; first < n; first += 100_000) {
    const last = Math.min(n, first + 100_000) - 1;
    await db.execute(sql`
      insert into event_keys (id, event_id, hash_id)
      select g + 1, 'urn:uuid:bench-' || g, 'ni:///sha-256;bench' || g || '?ver=CBV2.0'
      from generate_series(${first}::bigint, ${last}::bigint) g`);
    await db.execute(sql`
      insert into events (id, event_id, hash_id, kind, event_type, event_time, record_time, document)
      select g + 1, 'urn:uuid:bench-' || g, 'ni:///sha-256;bench' || g || '?ver=CBV2.0', 'bench', 'ObjectEvent', now(), now(), '{}'::jsonb
      from generate_series(${first}::bigint, ${last}::bigint) g`);
    await db.execute(sql`
      insert into log_leaves (leaf_index, event_id, leaf_hash)
      select g, g + 1, encode(sha256(convert_to('bench' || g, 'UTF8')), 'hex')
      from generate_series(${first}::bigint, ${last}::bigint) g`);
  }
  await db.execute(sql`select setval('events_id_seq', ${n})`);
  console.log(`filled ${await size()} leaves`);
} else if (step === "drop-nodes") {
  await db.execute(sql`truncate log_nodes, checkpoints`);
} else {
  const n = await size();
  const m = Math.floor(n * 0.613);
  await db.execute(sql`truncate checkpoints`);
  if (step === "sign")
    await measure(`sign first checkpoint of ${n}`, async () => {
      const cp = await checkpoint(db, deps);
      return `${cp?.treeSize} ${cp?.rootHash.slice(0, 16)}`;
    });
  else if (step === "prove")
    await measure(`inclusion proof of ${m} in ${n}`, async () => {
      const proof = await storedLog(db).inclusionProof(m, n);
      return `${proof.length} hashes, first ${bytesToHex(proof[0]!).slice(0, 16)}`;
    });
  else if (step === "legacy-sign")
    await measure(`legacy: sign first checkpoint of ${n}`, async () => {
      const tree = await treeFromAllLeaves(db);
      const root = bytesToHex(await tree.root(tree.size));
      await signCheckpoint(
        {
          origin: deps.origin,
          treeSize: tree.size,
          rootHash: root,
          timestamp: deps.now().toISOString(),
        },
        deps.signingKey,
      );
      return `${tree.size} ${root.slice(0, 16)}`;
    });
  else if (step === "legacy-prove")
    await measure(`legacy: inclusion proof of ${m} in ${n}`, async () => {
      const proof = await (await treeFromAllLeaves(db)).inclusionProof(m, n);
      return `${proof.length} hashes, first ${bytesToHex(proof[0]!).slice(0, 16)}`;
    });
  else throw new Error(`unknown step ${step}`);
}
await handle.close();
