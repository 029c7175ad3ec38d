// Test helper: a program or a service some tests need. Outside CI a missing one skips them with the reason
// printed; under CI=true (where .ci/run installs it) it is a failure, never a skip.
import { existsSync } from "node:fs";

/** Whether `path` is installed; throws under CI=true when it is not. */
export function requiredTool(path: string, tests: string, install: string): boolean {
  if (existsSync(path)) return true;
  if (process.env.CI === "true") {
    throw new Error(`${path} is missing in CI; the ${tests} refuse to skip`);
  }
  console.warn(`${tests} skipped: ${path} is not installed (${install})`);
  return false;
}

/** The URL of a service named by `variable` (e.g. TEST_REDIS_URL); throws under CI=true when unset. */
export function requiredService(variable: string, tests: string, how: string): string | null {
  const url = process.env[variable];
  if (url) return url;
  if (process.env.CI === "true") {
    throw new Error(`${variable} is not set in CI; the ${tests} refuse to skip`);
  }
  console.warn(`${tests} skipped: ${variable} is not set (${how})`);
  return null;
}
