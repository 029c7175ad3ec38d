// Compiled entry against tsx: start-up time (spawn to "listening") and resident memory (at
// listening, and after a warm-up of requests) of `node dist/node.js` and `node --import tsx
// src/node.ts`, on the same prepared embedded database, alternated round by round; prints the
// medians and their ratio. Linux only (reads /proc/<pid>/status).
//   npm run bench:runtime [-- --rounds 7 --requests 300]
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "7" },
    requests: { type: "string", default: "300" },
  },
});
const rounds = Number(values.rounds);
const requests = Number(values.requests);

const variants = {
  compiled: ["--enable-source-maps", "dist/node.js"],
  tsx: ["--import", "tsx", "src/node.ts"],
} as const;
type Variant = keyof typeof variants;

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) / 1024;
}

function start(
  variant: Variant,
  dataDir: string,
): Promise<{ child: ChildProcess; ms: number; base: string }> {
  const began = performance.now();
  const child = spawn(process.execPath, [...variants[variant]], {
    env: {
      PATH: process.env.PATH ?? "",
      PORT: "0",
      DATA_DIR: dataDir,
      SEED_DEMO: "false",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let output = "";
    child.stdout?.on("data", (d) => {
      output += d;
      const base = /listening on (http:\/\/[\d.]+:\d+)/.exec(output)?.[1];
      if (base) resolve({ child, ms: performance.now() - began, base });
    });
    child.on("exit", (code) => reject(new Error(`${variant} exited with ${code}: ${output}`)));
  });
}

async function measure(variant: Variant, dataDir: string) {
  const { child, ms, base } = await start(variant, dataDir);
  const pid = child.pid!;
  const atListen = await rssMb(pid);
  // A warm-up that touches the app's main paths: the OpenAPI document, readiness, a scan page.
  for (let i = 0; i < requests; i++) {
    const path = ["/openapi.json", "/readyz", "/01/06970000000017/21/NEVERISSUED1"][i % 3]!;
    await (await fetch(`${base}${path}`, { headers: { Accept: "text/html" } })).arrayBuffer();
  }
  const warm = await rssMb(pid);
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
  return { ms, atListen, warm };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

execFileSync(process.execPath, ["scripts/build.mjs", "--if-stale"], { stdio: "inherit" });
const dir = await mkdtemp(join(tmpdir(), "zhuisu-bench-runtime-"));
try {
  // The first start creates and migrates the database; the rounds measure a start on an existing one.
  await measure("compiled", dir);
  const results: Record<Variant, { ms: number; atListen: number; warm: number }[]> = {
    compiled: [],
    tsx: [],
  };
  await measure("tsx", dir); // one unmeasured tsx start fills tsx's transform cache, as a second start would
  for (let round = 0; round < rounds; round++)
    for (const variant of round % 2
      ? (["tsx", "compiled"] as const)
      : (["compiled", "tsx"] as const))
      results[variant].push(await measure(variant, dir));

  const row = (variant: Variant) => {
    const r = results[variant];
    return {
      startMs: median(r.map((x) => x.ms)),
      rssAtListenMb: median(r.map((x) => x.atListen)),
      rssWarmMb: median(r.map((x) => x.warm)),
    };
  };
  const compiled = row("compiled");
  const tsx = row("tsx");
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  console.log(
    `Node.js ${process.versions.node}, ${rounds} rounds, ${requests} requests of warm-up, medians:`,
  );
  console.table({ compiled, tsx });
  console.log(
    JSON.stringify({
      node: process.versions.node,
      rounds,
      requests,
      compiled,
      tsx,
      ratioCompiledToTsx: {
        startMs: ratio(compiled.startMs, tsx.startMs),
        rssAtListenMb: ratio(compiled.rssAtListenMb, tsx.rssAtListenMb),
        rssWarmMb: ratio(compiled.rssWarmMb, tsx.rssWarmMb),
      },
    }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
