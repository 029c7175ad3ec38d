// Shape checks for Chinese licence, approval and accreditation numbers, and which ones each key-goods category must carry.
import { checkUscc } from "./uscc";

export type LicenceKind =
  | "food_production_sc"
  | "food_business_jy"
  | "health_food_registration"
  | "drug_approval"
  | "drug_production"
  | "drug_business"
  | "medical_device_registration"
  | "medical_device_production"
  | "cosmetic_registration"
  | "cma"
  | "cnas"
  | "business_licence"
  | "other";

export const LICENCE_KINDS: readonly LicenceKind[] = [
  "food_production_sc",
  "food_business_jy",
  "health_food_registration",
  "drug_approval",
  "drug_production",
  "drug_business",
  "medical_device_registration",
  "medical_device_production",
  "cosmetic_registration",
  "cma",
  "cnas",
  "business_licence",
  "other",
];

export type LicenceCheck =
  | {
      ok: true;
      kind: LicenceKind;
      /** The number as stored: NFKC-normalised, without spaces, Latin letters upper-case. */
      value: string;
      /** Which of the kind's accepted forms matched, e.g. "domestic", "filing". */
      form: string;
      /**
       * Only a loose shape could be checked (the rule is not published in full, or the form is
       * historical): treat the number as unverified until it is looked up with the issuer.
       */
      lenient: boolean;
    }
  | {
      ok: false;
      kind: LicenceKind;
      message: string;
      /** Business licence whose only fault is the USCC check character: hold for manual review. */
      manualReview?: boolean;
    };

interface Form {
  form: string;
  pattern: RegExp;
  lenient: boolean;
  /** Further rules on a number that has the shape; returns a message when one fails. */
  refine?: (value: string) => string | undefined;
}

// Mainland province-level codes of GB/T 2260: the 2-digit province part of SC and JY numbers.
const MAINLAND_PROVINCES = new Set([
  ...["11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37"],
  ...[
    "41",
    "42",
    "43",
    "44",
    "45",
    "46",
    "50",
    "51",
    "52",
    "53",
    "54",
    "61",
    "62",
    "63",
    "64",
    "65",
  ],
]);

// One-character province abbreviations, with the alternatives some issuers use (黔/贵, 滇/云,
// 陕/秦, 甘/陇, 川/蜀) and 兵 for the Xinjiang Production and Construction Corps.
const PROVINCE_ABBR =
  "[京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川蜀贵黔云滇藏陕秦甘陇青宁新兵]";
const HAN = "[\\u4e00-\\u9fff]";

function provinceAt(start: number, what: string): (value: string) => string | undefined {
  return (value) => {
    const code = value.slice(start, start + 2);
    return MAINLAND_PROVINCES.has(code)
      ? undefined
      : `${what}: digits ${start - 1}-${start} should be a province code, got ${code}`;
  };
}

const FORMS: Record<Exclude<LicenceKind, "business_licence" | "other">, readonly Form[]> = {
  // 食品生产许可证 (食品生产许可管理办法 art. 29): SC + 3-digit food category (first digit 1 =
  // food, 2 = food additive) + 2-digit province + 2 city + 2 county + 4 sequence + 1 check
  // digit. The check digit's algorithm is not published, so it is not verified.
  food_production_sc: [
    {
      form: "SC",
      pattern: /^SC[12]\d{13}$/,
      lenient: false,
      refine: provinceAt(5, "food production licence"),
    },
  ],
  // 食品经营许可证: JY + 1-digit business type + 2-digit province + 2 city + 2 county +
  // 6 sequence + 1 check digit (check algorithm unpublished). The business-type digit is not
  // restricted because its code list has changed between the 2015 and 2023 measures.
  food_business_jy: [
    {
      form: "JY",
      pattern: /^JY\d{14}$/,
      lenient: false,
      refine: provinceAt(3, "food business licence"),
    },
  ],
  // 保健食品: registration 国食健注G/J + 4-digit year + 4-digit sequence (G domestic, J imported);
  // filing 食健备G/J + year + 2-digit province (00 for imports) + 6-digit sequence; the older
  // 国食健字 and 卫食健字 numbers are still printed on long-lived products. All lenient: the
  // layouts come from SAMR practice notes rather than a published code standard.
  health_food_registration: [
    { form: "registration", pattern: /^国食健注[GJ]\d{8}$/, lenient: true },
    { form: "filing", pattern: /^食健备[GJ]\d{12}$/, lenient: true },
    { form: "historical", pattern: /^国食健字[GJ]\d{8}$/, lenient: true },
    { form: "historical", pattern: /^卫食健(?:进)?字\(\d{4}\)第\d{3,4}号$/, lenient: true },
  ],
  // 药品批准文号: 国药准字 + letter + 8 digits. Letters from the 2002 unification: H chemical,
  // Z traditional Chinese medicine, S biological, B former 保健药品, T in-vitro chemical
  // diagnostics, F excipients, J imported drugs repackaged in China. The 2020 注册管理办法 adds
  // H/Z/S + C (made in Hong Kong, Macao, Taiwan) and H/Z/S + J (made abroad). The 8 digits are
  // not a year + sequence for pre-2002 numbers (e.g. Z11020001 = Beijing code 11, year 02), so
  // they are not split further. Imported drugs approved before 2020 carry a 进口药品注册证号 or
  // 医药产品注册证号 instead (H/Z/S [C] + 8 digits, B prefix for repackaging): accepted, lenient.
  drug_approval: [
    { form: "domestic", pattern: /^国药准字(?:[HZS][CJ]?|[BTFJ])\d{8}$/, lenient: false },
    { form: "import_registration", pattern: /^B?[HZS]C?\d{8}$/, lenient: true },
  ],
  // 药品生产许可证: province abbreviation + 4-digit year + 4-digit sequence (药品生产监督管理办法
  // 2020). Lenient: which abbreviation each province uses is not fixed by the rule.
  drug_production: [
    { form: "licence", pattern: new RegExp(`^${PROVINCE_ABBR}\\d{8}$`), lenient: true },
  ],
  // 药品经营许可证: province abbreviation + 2-letter class code (wholesale/retail chain/retail,
  // legal person or not) + region code + sequence. Lenient: the region and sequence lengths
  // seen in issued licences vary (7-9 digits in total).
  drug_business: [
    {
      form: "licence",
      pattern: new RegExp(`^${PROVINCE_ABBR}[A-Z]{2}\\d{7,9}$`),
      lenient: true,
    },
  ],
  // 医疗器械注册证 (医疗器械注册与备案管理办法): authority (国 for NMPA, a province abbreviation
  // for class II) + 械注 + 准 (domestic) / 进 (imported) / 许 (Hong Kong, Macao, Taiwan) +
  // 4-digit year + class digit + 2-digit category + 4-digit sequence. Class I devices are filed,
  // not registered: 省+市 abbreviations + 械备 + year + sequence. Pre-2014 numbers read
  // 国食药监械(准)字2012第3460001号. Only the current registration form is checked strictly.
  medical_device_registration: [
    {
      form: "registration",
      pattern: new RegExp(`^(?:国|${PROVINCE_ABBR})械注[准进许]\\d{4}[123]\\d{6}$`),
      lenient: false,
    },
    { form: "filing", pattern: new RegExp(`^${HAN}{1,3}械备\\d{8}号?$`), lenient: true },
    {
      form: "historical",
      pattern: new RegExp(`^${HAN}{1,2}食?药监械\\((?:准|进|许)\\)字\\d{4}第\\d{7}号$`),
      lenient: true,
    },
  ],
  // 医疗器械生产许可证: province abbreviation + 药监械生产许 (食药监械生产许 before 2022) + 4-digit
  // year + 4-digit sequence + 号; class I production is filed (…械生产备…). Lenient.
  medical_device_production: [
    {
      form: "licence",
      pattern: new RegExp(`^${PROVINCE_ABBR}食?药监械生产许\\d{8}号?$`),
      lenient: true,
    },
    {
      form: "filing",
      pattern: new RegExp(`^${HAN}{1,3}食?药监械生产备\\d{8}号?$`),
      lenient: true,
    },
  ],
  // 化妆品: special cosmetics are registered (国妆特字G + 8 digits domestic, 国妆特进字J imported,
  // 国妆特制字 for Hong Kong, Macao, Taiwan); ordinary cosmetics are filed (province
  // abbreviation + G妆网备字 + year + 6 digits domestic, 国妆网备进字(地区) + 10 digits imported,
  // older 国妆备进字J + 8 digits). Pre-2013 卫妆 numbers are historical. All lenient except the
  // special-cosmetic registration form.
  cosmetic_registration: [
    { form: "special", pattern: /^国妆特(?:进|制)?字[GJ]\d{8}$/, lenient: false },
    {
      form: "filing",
      pattern: new RegExp(`^${PROVINCE_ABBR}G妆网备字\\d{10}$`),
      lenient: true,
    },
    {
      form: "import_filing",
      pattern: new RegExp(`^国妆(?:网)?备进字(?:\\(${HAN}\\))?J?\\d{8,10}$`),
      lenient: true,
    },
    { form: "historical", pattern: /^卫妆(?:特|准|进|特进)字\(\d{4}\)第\d{4}号$/, lenient: true },
  ],
  // 检验检测机构资质认定 (CMA) certificate numbers are 12 digits (2-digit year, 2-digit issuing
  // authority, 2-digit field, 6-digit sequence); older certificates written otherwise fail
  // and must be entered as `other`.
  cma: [{ form: "certificate", pattern: /^\d{12}$/, lenient: false }],
  // CNAS accreditation numbers: L for testing and calibration laboratories, ML for medical
  // laboratories, IB for inspection bodies, then 4-5 digits. Other CNAS schemes (PT providers,
  // reference-material producers, certification bodies) do not accredit inspection results.
  cnas: [{ form: "accreditation", pattern: /^CNAS(?:L|ML|IB)\d{4,5}$/, lenient: false }],
};

const DESCRIPTIONS: Record<Exclude<LicenceKind, "business_licence" | "other">, string> = {
  food_production_sc: "food production licence number (SC + 14 digits)",
  food_business_jy: "food business licence number (JY + 14 digits)",
  health_food_registration: "health food registration or filing number (国食健注… / 食健备…)",
  drug_approval: "drug approval number (国药准字 + H/Z/S/B/T/F/J + 8 digits)",
  drug_production: "drug production licence number (province abbreviation + 8 digits)",
  drug_business: "drug business licence number (province abbreviation + 2 letters + digits)",
  medical_device_registration:
    "medical device registration number (国/省械注准|进|许 + 11 digits) or filing number (…械备…)",
  medical_device_production: "medical device production licence number (…药监械生产许 + 8 digits)",
  cosmetic_registration: "cosmetic registration or filing number (国妆特字… / …妆网备字…)",
  cma: "CMA certificate number (12 digits)",
  cnas: "CNAS accreditation number (CNAS L + 4-5 digits)",
};

function normalise(input: string): string {
  // NFKC folds full-width digits, letters and parentheses typed with Chinese input methods.
  return input.normalize("NFKC").replace(/\s+/g, "").toUpperCase();
}

/** Checks the shape of a licence or approval number of the given kind. */
export function checkLicence(kind: LicenceKind, number: string): LicenceCheck {
  const value = normalise(number);
  if (value === "") return { ok: false, kind, message: "licence number is empty" };

  if (kind === "business_licence") {
    const uscc = checkUscc(value);
    if (uscc.ok) return { ok: true, kind, value: uscc.value, form: "uscc", lenient: false };
    return {
      ok: false,
      kind,
      message: `business licence: ${uscc.message}`,
      ...(uscc.code === "bad_check_character" ? { manualReview: true } : {}),
    };
  }
  if (kind === "other") {
    // Free text for documents this table does not know; bounded so it stays a number, not a note.
    return value.length <= 64
      ? { ok: true, kind, value, form: "other", lenient: true }
      : { ok: false, kind, message: "licence number is longer than 64 characters" };
  }

  for (const form of FORMS[kind]) {
    if (!form.pattern.test(value)) continue;
    const problem = form.refine?.(value);
    if (problem !== undefined) return { ok: false, kind, message: problem };
    const display = kind === "cnas" ? value.replace(/^CNAS/, "CNAS ") : value;
    return { ok: true, kind, value: display, form: form.form, lenient: form.lenient };
  }
  return { ok: false, kind, message: `${value} is not a valid ${DESCRIPTIONS[kind]}` };
}

export type KeyGoodsCategory =
  | "food"
  | "health_food"
  | "drug"
  | "medical_device"
  | "cosmetic"
  | "edible_agricultural"
  | "agricultural_input"
  | "special_equipment"
  | "hazardous_chemical"
  | "rare_earth"
  | "other";

/**
 * The licence numbers a product of each key-goods category must carry before it is listed.
 * These are the numbers printed on the product itself; the seller's own business licence
 * (USCC) is required of every seller and checked when the seller registers, not here.
 */
export const REQUIRED_LICENCES: Readonly<Record<KeyGoodsCategory, readonly LicenceKind[]>> = {
  // Prepackaged food must show its SC number (GB 7718). Imported food and food-workshop
  // (小作坊) products have no SC and are listed under `other` until the service models them.
  food: ["food_production_sc"],
  // Health food is food made under an SC licence and also needs its registration or filing
  // number (the 蓝帽子 mark).
  health_food: ["food_production_sc", "health_food_registration"],
  // A drug may only be sold under its approval number; the maker's production licence is not
  // printed on the pack.
  drug: ["drug_approval"],
  // Devices carry their registration certificate (class II, III) or filing (class I) number.
  medical_device: ["medical_device_registration"],
  // Special cosmetics are registered and ordinary ones filed; either number is required.
  cosmetic: ["cosmetic_registration"],
  // Edible farm produce carries a 承诺达标合格证, which is a certificate, not a licence number.
  edible_agricultural: [],
  // Pesticide, fertiliser and seed registration numbers are not modelled yet.
  agricultural_input: [],
  // Special equipment, hazardous chemicals and rare earths are traced by other registers
  // (manufacturing licences and product codes outside this table): nothing required here.
  special_equipment: [],
  hazardous_chemical: [],
  rare_earth: [],
  other: [],
};

/** The required kinds of a category that are not among the kinds a product already has. */
export function missingLicences(
  category: KeyGoodsCategory,
  present: Iterable<LicenceKind>,
): LicenceKind[] {
  const have = new Set(present);
  return REQUIRED_LICENCES[category].filter((kind) => !have.has(kind));
}
