// The committed validators are what the schemas compile to: a schema changed without
// `npm run gen:epcis-validators` fails here.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { generateValidators } from "../../../scripts/gen-epcis-validators";
import { validateDocument } from "./validate";

describe("validators.generated.ts", () => {
  it("matches what the EPCIS JSON Schemas generate now", async () => {
    const committed = await readFile(new URL("./validators.generated.ts", import.meta.url), "utf8");
    expect(committed === generateValidators()).toBe(true);
  });

  it("validates without compiling code at run time, naming the failing field", () => {
    const compile = globalThis.Function;
    // Workers refuse `new Function`; so does this test while it validates.
    globalThis.Function = (() => {
      throw new Error("code generation from strings disallowed");
    }) as unknown as FunctionConstructor;
    try {
      const result = validateDocument({
        "@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],
        type: "EPCISDocument",
        schemaVersion: "2.0",
        creationDate: "2026-11-01T00:00:00Z",
        epcisBody: {
          eventList: [{ type: "ObjectEvent", action: "OBSERVE", eventTimeZoneOffset: "+08:00" }],
        },
      });
      expect(result.document).toEqual([]);
      expect(JSON.stringify(result.events.get(0))).toContain("eventTime");
    } finally {
      globalThis.Function = compile;
    }
  });
});
