// Start-up as a newcomer meets it, on the compiled entry that `npm start` runs (dist/node.js):
// bad configuration ends in one clear line, SIGTERM ends cleanly.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const onServer = Boolean(process.env.TEST_DATABASE_URL);
if (onServer)
  console.warn(
    "startup.test: runs in the embedded-database pass only; it starts its own processes",
  );

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "zhuisu-start-"));
  // What `npm start`'s prestart does: compile src/ to dist/node.js unless it is up to date.
  if (!onServer) execFileSync(process.execPath, ["scripts/build.mjs", "--if-stale"]);
}, 120_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

function start(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
} {
  const child = spawn(process.execPath, ["--enable-source-maps", "dist/node.js"], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      SEED_DEMO: "false",
      LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  const exit = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return { child, output: () => output, exit };
}

async function failsWithOneLine(env: Record<string, string>, pattern: RegExp) {
  const run = start(env);
  expect(await run.exit).toBe(1);
  const lines = run.output().trim().split("\n");
  expect(lines, run.output()).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(run.output()).not.toMatch(/\n\s+at /);
}

describe.skipIf(onServer)("start-up", () => {
  it("names a bad variable", () =>
    failsWithOneLine({ PORT: "eighty" }, /^zhuisu: invalid configuration: PORT/));

  it("names a DATABASE_URL without host", () =>
    failsWithOneLine({ DATABASE_URL: "postgres://:5432/db" }, /DATABASE_URL: .*host is missing/));

  it("says when the PostgreSQL server refuses", () =>
    failsWithOneLine(
      { DATABASE_URL: "postgres://u:wrong@127.0.0.1:1/db" },
      /refused the connection/,
    ));

  it("says when the data folder cannot be created", async () => {
    const file = join(dir, "a-file");
    await writeFile(file, "x");
    await failsWithOneLine(
      { DATA_DIR: join(file, "data") },
      /data folder .* cannot be created|cannot write to the data folder/,
    );
  });

  it("says when the port is taken", { timeout: 90_000 }, async () => {
    const blocker = createServer();
    const port = await new Promise<number>((r) =>
      blocker.listen(0, "127.0.0.1", () => r((blocker.address() as { port: number }).port)),
    );
    try {
      await failsWithOneLine(
        { PORT: String(port), DATA_DIR: join(dir, "taken") },
        new RegExp(`port ${port} is already in use`),
      );
    } finally {
      blocker.close();
    }
  });

  it("seeds the demo data into a new embedded database and serves its sample codes", {
    timeout: 240_000,
  }, async () => {
    const dataDir = join(dir, "demo");
    const run = start({ PORT: "0", DATA_DIR: dataDir, LOG_LEVEL: "warn", SEED_DEMO: "true" });
    for (let i = 0; i < 2000 && !run.output().includes("API keys"); i++)
      await new Promise((r) => setTimeout(r, 100));
    const address = /listening on (http:\/\/[\d.]+:\d+)/.exec(run.output())?.[1];
    expect(address, run.output()).toBeTruthy();
    const demo = JSON.parse(await readFile(join(dataDir, "demo.json"), "utf8")) as {
      keys: Record<string, string>;
      logins: Record<string, { login: string; password: string }>;
      samples: Record<string, string>;
    };
    expect(Object.keys(demo.keys)).toEqual(
      expect.arrayContaining(["regulator", "producer", "seller", "logistics", "inspector"]),
    );
    const page = await fetch(`${address}${demo.samples.item}`, {
      headers: { Accept: "text/html", "Accept-Language": "zh-CN" },
    });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("黄岩蜜橘");
    const recalled = await fetch(`${address}${demo.samples.recalledItem}`, {
      headers: { Accept: "application/json" },
    });
    expect(JSON.stringify(await recalled.json())).toMatch(/recall/i);

    // The producer's login is printed beside the keys, and logs in to the console.
    const producer = demo.logins.producer!;
    expect(run.output()).toContain(`${producer.login}`);
    expect(run.output()).toContain(`password ${producer.password}`);
    const form = await fetch(`${address}/console/login`);
    const pre = /zs_pre=([^;]+)/.exec(form.headers.get("set-cookie") ?? "")?.[1];
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
    const login = await fetch(`${address}/console/login`, {
      method: "POST",
      redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: `zs_pre=${pre}` },
      body: new URLSearchParams({ _csrf: csrf ?? "", ...producer }).toString(),
    });
    expect(login.status).toBe(303);
    expect(login.headers.get("location")).toBe("/console");
    run.child.kill("SIGTERM");
    expect(await run.exit).toBe(0);
  });

  it("serves, then shuts down on SIGTERM and keeps the database for the next start", {
    timeout: 120_000,
  }, async () => {
    const env = { PORT: "0", DATA_DIR: join(dir, "data"), LOG_LEVEL: "info" };
    for (let round = 0; round < 2; round++) {
      const run = start(env);
      for (let i = 0; i < 600 && !run.output().includes("listening"); i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(run.output()).toContain("/docs");
      run.child.kill("SIGTERM");
      expect(await run.exit).toBe(0);
      expect(run.output()).toContain("shutting down");
    }
  });
});
