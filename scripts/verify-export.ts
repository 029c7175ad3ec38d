// `npx tsx scripts/verify-export.ts export.json <public key base64 | key URL>`: checks an exported history
// offline against its signed checkpoint, with nothing but the log's public key.
import { readFile } from "node:fs/promises";
import { verifyCheckpoint } from "../src/ledger/checkpoint";
import { ZS_CONTEXT } from "../src/ledger/epcis";
import { eventHashId } from "../src/ledger/event-hash";
import { base64ToBytes, hexToBytes } from "../src/ledger/hex";
import { leafHashOf } from "../src/ledger/log";
import { verifyInclusion } from "../src/ledger/merkle";

interface ExportedEvent {
  id: number;
  eventId: string;
  hashId: string;
  kind: string;
  recordTime: string;
  actor: { id: string } | null;
  document: Record<string, unknown>;
  context: unknown[];
  leafIndex: number;
  leafHash: string;
  proof: string[];
}

export interface HistoryExportFile {
  format: string;
  key: string;
  checkpoint: {
    origin: string;
    treeSize: number;
    rootHash: string;
    timestamp: string;
    keyId: string;
    signature: string;
  };
  events: ExportedEvent[];
}

/** Every problem found, one line each; an empty list means the export is what the log signed. */
export async function verifyExport(
  file: HistoryExportFile,
  publicKey: Uint8Array,
): Promise<string[]> {
  const problems: string[] = [];
  if (file.format !== "zhuisu-history-export/v1") problems.push(`unknown format ${file.format}`);
  const cp = file.checkpoint;
  if (!(await verifyCheckpoint(cp, publicKey)))
    problems.push(`the checkpoint of size ${cp.treeSize} is not signed by this key`);
  const root = hexToBytes(cp.rootHash);
  for (const e of file.events) {
    const hashId = await eventHashId(e.document, e.context ?? ZS_CONTEXT);
    if (hashId !== e.hashId) {
      problems.push(`event ${e.id}: its content hashes to ${hashId}, not ${e.hashId}`);
      continue;
    }
    const leaf = await leafHashOf({
      hashId,
      eventId: e.eventId,
      recordTime: new Date(e.recordTime),
      actorOrgId: e.actor?.id ?? null,
      kind: e.kind,
    });
    const included = await verifyInclusion(
      e.leafIndex,
      cp.treeSize,
      hexToBytes(leaf),
      e.proof.map(hexToBytes),
      root,
    );
    if (!included)
      problems.push(
        `event ${e.id}: not in the tree of size ${cp.treeSize} at position ${e.leafIndex}`,
      );
  }
  return problems;
}

async function main() {
  const [path, keyArg] = process.argv.slice(2);
  if (!path || !keyArg) {
    console.error(
      "usage: npx tsx scripts/verify-export.ts <export.json> <public key base64 | https://host/.well-known/zhuisu-log-key>",
    );
    process.exit(2);
  }
  const file = JSON.parse(await readFile(path, "utf8")) as HistoryExportFile;
  const key = /^https?:/.test(keyArg)
    ? ((await (await fetch(keyArg)).json()) as { publicKey: string }).publicKey
    : keyArg;
  const problems = await verifyExport(file, base64ToBytes(key));
  if (problems.length === 0) {
    console.log(
      `OK: ${file.events.length} events of ${file.key} are in the log of size ${file.checkpoint.treeSize} signed at ${file.checkpoint.timestamp}`,
    );
  } else {
    for (const p of problems) console.log(`FAIL: ${p}`);
    process.exit(1);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
