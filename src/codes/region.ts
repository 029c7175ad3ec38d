// GB/T 2260 administrative region codes: validation and the name chain shown to consumers (浙江省 台州市 临海市).
import table from "./regions.generated.json" with { type: "json" };

export interface RegionInfo {
  code: string;
  /** Province-level name (省, 自治区, 直辖市, 特别行政区). */
  province: string;
  /**
   * Prefecture-level name as GB/T 2260 has it; for municipalities this is the 市辖区 (or 县)
   * placeholder, for 省直辖县级行政区划 the placeholder itself.
   */
  prefecture?: string;
  /** County-level name; 市辖区 for the statistical "city districts" placeholder codes (XXXX01). */
  county?: string;
  /** Names to show, province first, with the placeholder levels left out. */
  names: string[];
  /** The code is no longer in use (abolished or renamed) but still appears on old records. */
  retired: boolean;
}

const CURRENT: Readonly<Record<string, string>> = table.regions;
const RETIRED: Readonly<Record<string, string>> = table.retired;

// Placeholder levels are real GB/T 2260 rows but mean nothing to a reader of a label.
const PLACEHOLDERS = new Set(["市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"]);

const SHAPE = /^\d{6}$/;

function nameOf(code: string): { name: string; retired: boolean } | undefined {
  const current = CURRENT[code];
  if (current !== undefined) return { name: current, retired: false };
  const retired = RETIRED[code];
  if (retired !== undefined) return { name: retired, retired: true };
  return undefined;
}

/**
 * Resolves a 6-digit region code, current or retired, to its names. Returns null for a code
 * that is not in the table or whose parent levels are unknown.
 */
export function lookupRegion(code: string): RegionInfo | null {
  if (!SHAPE.test(code)) return null;
  const self = nameOf(code);
  if (self === undefined) return null;

  const provinceCode = `${code.slice(0, 2)}0000`;
  const prefectureCode = `${code.slice(0, 4)}00`;
  const province = nameOf(provinceCode);
  if (province === undefined) return null;

  const info: RegionInfo = {
    code,
    province: province.name,
    names: [province.name],
    retired: self.retired,
  };
  if (code === provinceCode) return info;

  // Every county in the table has its prefecture row (the generator adds the municipalities'
  // 市辖区/县), so a missing one means a malformed code rather than a gap worth papering over.
  const prefecture = nameOf(prefectureCode);
  if (prefecture === undefined) return null;
  info.prefecture = prefecture.name;
  if (!PLACEHOLDERS.has(prefecture.name)) info.names.push(prefecture.name);
  if (code === prefectureCode) return info;

  info.county = self.name;
  if (!PLACEHOLDERS.has(self.name)) info.names.push(self.name);
  return info;
}

/** True for a code that is in the GB/T 2260 table, current or retired. */
export function isValidRegionCode(code: string): boolean {
  return lookupRegion(code) !== null;
}

/** True for a code that is in use today (not retired). */
export function isCurrentRegionCode(code: string): boolean {
  return SHAPE.test(code) && CURRENT[code] !== undefined;
}

let currentCodes: string[] | null = null;

/**
 * The current regions one level below a code: a province's prefectures, a prefecture's counties
 * (the 市辖区 placeholder rows left out); a county has none. In code order.
 */
export function childRegions(code: string): string[] {
  currentCodes ??= Object.keys(CURRENT).sort();
  if (!SHAPE.test(code)) return [];
  if (code.endsWith("0000")) {
    const p = code.slice(0, 2);
    const prefectures = currentCodes.filter(
      (c) =>
        c.startsWith(p) &&
        c.endsWith("00") &&
        !c.endsWith("0000") &&
        !PLACEHOLDERS.has(CURRENT[c]!),
    );
    if (prefectures.length > 0) return prefectures;
    // A municipality (北京, 上海…) has only placeholder prefectures: its districts come next.
    return currentCodes.filter(
      (c) => c.startsWith(p) && !c.endsWith("00") && !PLACEHOLDERS.has(CURRENT[c]!),
    );
  }
  if (code.endsWith("00")) {
    const p = code.slice(0, 4);
    return currentCodes.filter(
      (c) => c.startsWith(p) && !c.endsWith("00") && !PLACEHOLDERS.has(CURRENT[c]!),
    );
  }
  return [];
}
