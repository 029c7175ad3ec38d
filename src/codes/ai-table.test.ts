// The generated AI table: current with its dictionary, ranges expanded, every linter accounted for.
import { describe, expect, it } from "vitest";
import { isAiTableUpToDate } from "../../scripts/gen-ai-table";
import { LINTERS, SKIPPED_LINTERS } from "./ai-linters";
import { AI_DICTIONARY_RELEASE, AI_TABLE } from "./ai-table.generated";

const byAi = new Map(AI_TABLE.map((e) => [e.ai, e]));

describe("ai-table.generated.ts", () => {
  it("is what `npm run gen:ai-table` writes from the committed dictionary", () => {
    expect(isAiTableUpToDate()).toBe(true);
    expect(AI_DICTIONARY_RELEASE).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("expands AI ranges", () => {
    for (const ai of ["3100", "3101", "3105", "3900", "3909", "91", "99"])
      expect(byAi.has(ai)).toBe(true);
    for (const ai of ["3106", "3944", "90x"]) expect(byAi.has(ai)).toBe(false);
    expect(byAi.get("3103")).toMatchObject({ fnc1: false, dlDataAttribute: true, ex: ["310n"] });
  });

  it("keeps flags, components, dlpkey and req/ex", () => {
    expect(byAi.get("01")).toEqual({
      ai: "01",
      title: "GTIN",
      fnc1: false,
      dlDataAttribute: true,
      components: [{ type: "N", min: 14, max: 14, optional: false, linters: ["csum", "gcppos2"] }],
      dlPrimaryKey: [["22", "10", "21"], ["235"]],
      req: [],
      ex: ["255", "37"],
    });
    expect(byAi.get("10")).toMatchObject({ fnc1: true, dlDataAttribute: true, dlPrimaryKey: null });
    expect(byAi.get("21")).toMatchObject({ fnc1: true, dlDataAttribute: false, ex: ["235"] });
    expect(byAi.get("253")?.components).toEqual([
      { type: "N", min: 13, max: 13, optional: false, linters: ["csum", "gcppos1"] },
      { type: "X", min: 1, max: 17, optional: true, linters: [] },
    ]);
    expect(byAi.get("8030")?.components[0]?.type).toBe("Z");
    expect(byAi.get("8010")?.components[0]?.type).toBe("Y");
    expect(byAi.get("7004")?.req).toEqual([[["01", "10"]]]);
    expect(byAi.get("414")?.dlPrimaryKey).toEqual([["254"], ["7040"]]);
  });

  it("has a Digital Link primary key for every GS1 key the brief names", () => {
    const keys = AI_TABLE.filter((e) => e.dlPrimaryKey).map((e) => e.ai);
    expect(keys).toEqual(
      expect.arrayContaining([
        "00",
        "01",
        "253",
        "255",
        "401",
        "402",
        "414",
        "417",
        "8003",
        "8004",
        "8006",
        "8010",
        "8013",
        "8017",
        "8018",
      ]),
    );
  });

  it("runs or deliberately skips every linter the dictionary names", () => {
    const named = new Set(AI_TABLE.flatMap((e) => e.components.flatMap((c) => c.linters)));
    const unaccounted = [...named].filter((n) => !LINTERS.has(n) && !(n in SKIPPED_LINTERS));
    expect(unaccounted).toEqual([]);
  });

  it("is prefix-free, so raw element strings can be split without separators", () => {
    for (const { ai } of AI_TABLE) {
      for (let len = 2; len < ai.length; len++) expect(byAi.has(ai.slice(0, len))).toBe(false);
    }
  });
});
