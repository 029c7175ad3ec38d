// Run by `npm install` (postinstall): mends two faults of postgres.js 3.4.9's write scheduler that
// a dying database connection sets off (porsager/postgres#1208, #1154; LanternOps/breeze#3225).
//
// 1. A query sent on a transaction's connection after the server ended it (the ROLLBACK that
//    follows the error) schedules a write on a socket that is gone; the write then throws outside
//    any promise and the uncaught TypeError ends the whole Node process. Mended: a write without a
//    socket fails the connection's queries with CONNECTION_CLOSED, which their callers catch.
// 2. Closing clears the pending write's timer without forgetting it, so the reconnected
//    connection never schedules a write again and its queries wait forever. Mended: the timer and
//    the unsent bytes are forgotten with the socket.
//
// Each edit is applied only where the original text is found, so a fixed release is left alone.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const MARK = "/* zhuisu: write-scheduler mend */";
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "node_modules", "postgres");
const edits = [
  [
    "  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)",
    `  function nextWrite(fn) {\n    ${MARK}\n    if (socket === null) {\n      chunk = nextWriteTimer = null\n      error(Errors.connection('CONNECTION_CLOSED', options, socket))\n      return false\n    }\n    const x = socket.write(chunk, fn)`,
  ],
  [
    "    clearImmediate(nextWriteTimer)\n    socket.removeListener('data', data)",
    "    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n    socket.removeListener('data', data)",
  ],
];

let changed = 0;
for (const build of ["src", "cjs/src", "cf/src"]) {
  const file = join(root, build, "connection.js");
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    continue;
  }
  if (text.includes(MARK)) continue;
  const missing = edits.filter(([from]) => !text.includes(from));
  if (missing.length > 0) {
    console.warn(`patch-postgres: ${file} differs from postgres.js 3.4.9; left as it is`);
    continue;
  }
  for (const [from, to] of edits) text = text.replace(from, to);
  writeFileSync(file, text);
  changed += 1;
}
if (changed > 0) console.log(`patch-postgres: mended ${changed} build(s) of postgres.js`);
