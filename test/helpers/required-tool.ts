// Test helper: a program some tests need. Outside CI a missing one skips them with the reason
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
