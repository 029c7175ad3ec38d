import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isCurrentRegionCode, isValidRegionCode, lookupRegion } from "./region";
import table from "./regions.generated.json" with { type: "json" };

describe("lookupRegion", () => {
  it("resolves a province", () => {
    expect(lookupRegion("330000")).toEqual({
      code: "330000",
      province: "浙江省",
      names: ["浙江省"],
      retired: false,
    });
  });

  it("resolves a prefecture", () => {
    expect(lookupRegion("331000")).toEqual({
      code: "331000",
      province: "浙江省",
      prefecture: "台州市",
      names: ["浙江省", "台州市"],
      retired: false,
    });
  });

  it("resolves counties and county-level cities", () => {
    expect(lookupRegion("331002")).toEqual({
      code: "331002",
      province: "浙江省",
      prefecture: "台州市",
      county: "椒江区",
      names: ["浙江省", "台州市", "椒江区"],
      retired: false,
    });
    expect(lookupRegion("331082")?.names).toEqual(["浙江省", "台州市", "临海市"]);
  });

  it("handles municipalities, whose prefecture level is 市辖区", () => {
    expect(lookupRegion("110000")?.names).toEqual(["北京市"]);
    expect(lookupRegion("110101")).toEqual({
      code: "110101",
      province: "北京市",
      prefecture: "市辖区",
      county: "东城区",
      names: ["北京市", "东城区"],
      retired: false,
    });
    expect(lookupRegion("500229")?.prefecture).toBe("县");
    expect(lookupRegion("500229")?.names).toEqual(["重庆市", "城口县"]);
  });

  it("leaves placeholder levels out of the names", () => {
    expect(lookupRegion("429004")?.names).toEqual(["湖北省", "仙桃市"]);
    expect(lookupRegion("429004")?.prefecture).toBe("省直辖县级行政区划");
    expect(lookupRegion("659001")?.prefecture).toBe("自治区直辖县级行政区划");
    expect(lookupRegion("331001")).toMatchObject({ county: "市辖区", names: ["浙江省", "台州市"] });
  });

  it("resolves retired codes that old records carry", () => {
    expect(lookupRegion("331021")).toEqual({
      code: "331021",
      province: "浙江省",
      prefecture: "台州市",
      county: "玉环县",
      names: ["浙江省", "台州市", "玉环县"],
      retired: true,
    });
    expect(lookupRegion("330621")?.names).toEqual(["浙江省", "绍兴市", "绍兴县"]);
    expect(lookupRegion("330103")?.retired).toBe(true);
    expect(isCurrentRegionCode("330103")).toBe(false);
    expect(isValidRegionCode("330103")).toBe(true);
  });

  it("returns null for unknown and malformed codes", () => {
    expect(lookupRegion("339999")).toBeNull();
    expect(lookupRegion("990000")).toBeNull();
    expect(lookupRegion("33100")).toBeNull();
    expect(lookupRegion("3310020")).toBeNull();
    expect(lookupRegion("33100A")).toBeNull();
    expect(lookupRegion("")).toBeNull();
  });

  it("resolves every code in the table with a province first and the code's own name last", () => {
    for (const [code, name] of Object.entries({ ...table.regions, ...table.retired })) {
      const info = lookupRegion(code);
      expect(info, code).not.toBeNull();
      expect(info?.names[0]).toBe(info?.province);
      const own = code.endsWith("0000")
        ? info?.province
        : code.endsWith("00")
          ? info?.prefecture
          : info?.county;
      expect(own, code).toBe(name);
    }
  });

  it("never throws and agrees with isValidRegionCode on arbitrary input", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^\d{6}$/)), (code) => {
        expect(isValidRegionCode(code)).toBe(lookupRegion(code) !== null);
      }),
    );
  });
});

describe("isValidRegionCode", () => {
  it("accepts known codes only", () => {
    for (const code of ["330000", "331000", "331002", "331082", "110101"]) {
      expect(isValidRegionCode(code)).toBe(true);
      expect(isCurrentRegionCode(code)).toBe(true);
    }
    expect(isValidRegionCode("339999")).toBe(false);
    expect(isCurrentRegionCode("339999")).toBe(false);
  });

  it("keeps the generated table compact", () => {
    const size = Object.keys(table.regions).length;
    expect(size).toBeGreaterThan(3000);
    expect(size).toBeLessThan(5000);
  });
});
