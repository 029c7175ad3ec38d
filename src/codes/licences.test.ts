import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkLicence,
  type KeyGoodsCategory,
  LICENCE_KINDS,
  type LicenceKind,
  missingLicences,
  REQUIRED_LICENCES,
} from "./licences";

function expectValid(kind: LicenceKind, number: string, form: string, lenient: boolean) {
  expect(checkLicence(kind, number)).toMatchObject({ ok: true, kind, form, lenient });
}

function expectInvalid(kind: LicenceKind, number: string) {
  expect(checkLicence(kind, number)).toMatchObject({ ok: false, kind });
}

describe("food licences", () => {
  it("accepts SC numbers for food and food additives", () => {
    expectValid("food_production_sc", "SC10633108200019", "SC", false);
    expectValid("food_production_sc", "SC20133010200013", "SC", false);
  });

  it("normalises spaces, case and full-width characters", () => {
    expect(checkLicence("food_production_sc", " sc１０６３３１０８２０００１９ ")).toMatchObject({
      ok: true,
      value: "SC10633108200019",
    });
  });

  it("rejects SC numbers with the wrong shape, category digit or province", () => {
    expectInvalid("food_production_sc", "SC1063310820001");
    expectInvalid("food_production_sc", "SC106331082000199");
    expectInvalid("food_production_sc", "QS10633108200019");
    expectInvalid("food_production_sc", "SC30633108200019");
    const result = checkLicence("food_production_sc", "SC10699108200019");
    expect(result).toMatchObject({ ok: false });
    if (!result.ok) expect(result.message).toMatch(/province/);
  });

  it("accepts JY numbers and checks their province part", () => {
    expectValid("food_business_jy", "JY13310820012345", "JY", false);
    expectInvalid("food_business_jy", "JY19910820012345");
    expectInvalid("food_business_jy", "JY1331082001234");
    expectInvalid("food_business_jy", "SC13310820012345");
  });

  it("accepts health food registration and filing numbers leniently", () => {
    expectValid("health_food_registration", "国食健注G20200123", "registration", true);
    expectValid("health_food_registration", "国食健注J20190045", "registration", true);
    expectValid("health_food_registration", "食健备G202133000123", "filing", true);
    expectValid("health_food_registration", "国食健字G20100567", "historical", true);
    expectValid("health_food_registration", "卫食健字（2000）第0123号", "historical", true);
    expectInvalid("health_food_registration", "国食健注X20200123");
  });
});

describe("drug numbers", () => {
  it.each([
    "国药准字H20003263",
    "国药准字Z11020001",
    "国药准字S20130001",
    "国药准字B20020001",
    "国药准字T20050001",
    "国药准字F20200001",
    "国药准字J20080001",
    "国药准字HC20210001",
    "国药准字SJ20210001",
  ])("accepts the approval number %s", (number) => {
    expectValid("drug_approval", number, "domestic", false);
  });

  it("accepts import registration numbers leniently", () => {
    expectValid("drug_approval", "H20140497", "import_registration", true);
    expectValid("drug_approval", "HC20150030", "import_registration", true);
  });

  it("rejects unknown letters and wrong lengths", () => {
    expectInvalid("drug_approval", "国药准字X20003263");
    expectInvalid("drug_approval", "国药准字H2000326");
    expectInvalid("drug_approval", "国药准字BC20003263");
    expectInvalid("drug_approval", "国药证字H20003263");
  });

  it("accepts production and business licences by their loose shape", () => {
    expectValid("drug_production", "浙20160001", "licence", true);
    expectValid("drug_production", "黔20200012", "licence", true);
    expectInvalid("drug_production", "浙2016001");
    expectInvalid("drug_production", "美20160001");
    expectValid("drug_business", "浙AA5710123", "licence", true);
    expectInvalid("drug_business", "浙A5710123");
  });
});

describe("medical devices", () => {
  it("accepts registration numbers of NMPA and provinces", () => {
    expectValid("medical_device_registration", "国械注准20153460001", "registration", false);
    expectValid("medical_device_registration", "国械注进20172220123", "registration", false);
    expectValid("medical_device_registration", "国械注许20183100045", "registration", false);
    expectValid("medical_device_registration", "浙械注准20152200123", "registration", false);
  });

  it("accepts class I filings and pre-2014 numbers leniently", () => {
    expectValid("medical_device_registration", "浙杭械备20150001号", "filing", true);
    expectValid(
      "medical_device_registration",
      "国食药监械（准）字2012第3460001号",
      "historical",
      true,
    );
  });

  it("rejects a wrong class digit or length", () => {
    expectInvalid("medical_device_registration", "国械注准20154460001");
    expectInvalid("medical_device_registration", "国械注准2015346000");
    expectInvalid("medical_device_registration", "国械注册20153460001");
  });

  it("accepts production licences and filings leniently", () => {
    expectValid("medical_device_production", "浙药监械生产许20210001号", "licence", true);
    expectValid("medical_device_production", "浙食药监械生产许20150001号", "licence", true);
    expectValid("medical_device_production", "浙杭药监械生产备20210001号", "filing", true);
    expectInvalid("medical_device_production", "浙药监械生产许2021001号");
  });
});

describe("cosmetics", () => {
  it("accepts special-cosmetic registrations", () => {
    expectValid("cosmetic_registration", "国妆特字G20210001", "special", false);
    expectValid("cosmetic_registration", "国妆特进字J20190123", "special", false);
  });

  it("accepts filings leniently", () => {
    expectValid("cosmetic_registration", "浙G妆网备字2021012345", "filing", true);
    expectValid("cosmetic_registration", "国妆网备进字（京）2021000123", "import_filing", true);
    expectValid("cosmetic_registration", "国妆备进字J20150001", "import_filing", true);
    expectValid("cosmetic_registration", "卫妆准字（2012）第0123号", "historical", true);
  });

  it("rejects other text", () => {
    expectInvalid("cosmetic_registration", "国妆特字X20210001");
    expectInvalid("cosmetic_registration", "化妆品");
  });
});

describe("inspection accreditation", () => {
  it("accepts 12-digit CMA numbers", () => {
    expectValid("cma", "161201050241", "certificate", false);
    expectInvalid("cma", "16120105024");
    expectInvalid("cma", "CMA161201050241");
  });

  it("accepts CNAS laboratory numbers and writes them with one space", () => {
    expect(checkLicence("cnas", "cnas  l0123")).toMatchObject({ ok: true, value: "CNAS L0123" });
    expectValid("cnas", "CNAS L12345", "accreditation", false);
    expectValid("cnas", "CNAS ML0045", "accreditation", false);
    expectValid("cnas", "CNAS IB0210", "accreditation", false);
    expectInvalid("cnas", "CNAS L12");
    expectInvalid("cnas", "CNAS PT0012");
  });
});

describe("business licence and other", () => {
  it("checks the USCC and flags a check-character-only fault for manual review", () => {
    expect(checkLicence("business_licence", "91110000600037341L")).toMatchObject({
      ok: true,
      value: "91110000600037341L",
    });
    expect(checkLicence("business_licence", "91350100M0001TGQXM")).toMatchObject({
      ok: false,
      manualReview: true,
    });
    const bad = checkLicence("business_licence", "12345");
    expect(bad).toMatchObject({ ok: false });
    expect(bad).not.toHaveProperty("manualReview");
  });

  it("accepts any bounded text as other, leniently", () => {
    expectValid("other", "进口食品检验检疫证明 123", "other", true);
    expectInvalid("other", "x".repeat(65));
  });

  it("rejects an empty number for every kind", () => {
    for (const kind of LICENCE_KINDS) expectInvalid(kind, "  ");
  });

  it("never throws on arbitrary input", () => {
    fc.assert(
      fc.property(fc.constantFrom(...LICENCE_KINDS), fc.string(), (kind, s) => {
        const result = checkLicence(kind, s);
        expect(result.kind).toBe(kind);
      }),
    );
  });
});

describe("required licences by category", () => {
  it("requires the numbers printed on regulated products", () => {
    expect(REQUIRED_LICENCES.drug).toEqual(["drug_approval"]);
    expect(REQUIRED_LICENCES.food).toEqual(["food_production_sc"]);
    expect(REQUIRED_LICENCES.health_food).toEqual([
      "food_production_sc",
      "health_food_registration",
    ]);
    expect(REQUIRED_LICENCES.medical_device).toEqual(["medical_device_registration"]);
    expect(REQUIRED_LICENCES.cosmetic).toEqual(["cosmetic_registration"]);
  });

  it("requires nothing of the other categories", () => {
    const none: KeyGoodsCategory[] = [
      "edible_agricultural",
      "agricultural_input",
      "special_equipment",
      "hazardous_chemical",
      "rare_earth",
      "other",
    ];
    for (const category of none) expect(REQUIRED_LICENCES[category]).toEqual([]);
  });

  it("lists what a product still lacks", () => {
    expect(missingLicences("health_food", ["food_production_sc"])).toEqual([
      "health_food_registration",
    ]);
    expect(missingLicences("drug", new Set<LicenceKind>(["drug_approval", "cma"]))).toEqual([]);
    expect(missingLicences("rare_earth", [])).toEqual([]);
  });
});
