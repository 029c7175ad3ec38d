// Generates src/codes/ai-table.generated.ts from GS1's Barcode Syntax Dictionary (gen:ai-table).
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const DICTIONARY_PATH = resolve(ROOT, "test/fixtures/gs1/gs1-syntax-dictionary.txt");
export const OUTPUT_PATH = resolve(ROOT, "src/codes/ai-table.generated.ts");

interface Component {
  type: "N" | "X" | "Y" | "Z";
  min: number;
  max: number;
  optional: boolean;
  linters: string[];
}

interface Entry {
  ai: string;
  title: string;
  fnc1: boolean;
  dlDataAttribute: boolean;
  components: Component[];
  dlPrimaryKey: string[][] | null;
  req: string[][][];
  ex: string[];
}

const FLAG_CHARS = /^[*!?"$%&'()+,\-./:;<=>@[\\\]^_`{|}~]+$/;
const COMPONENT = /^(\[)?([NXYZ])(\.\.)?(\d+)(\])?((?:,[a-z0-9]+)*)$/;
const AI_OR_RANGE = /^(\d{2,4})(?:-(\d{2,4}))?$/;

function fail(lineNo: number, message: string): never {
  throw new Error(`gs1-syntax-dictionary.txt line ${lineNo}: ${message}`);
}

function parseComponent(token: string, lineNo: number): Component {
  const m = COMPONENT.exec(token);
  if (!m) fail(lineNo, `bad component "${token}"`);
  const [, open, type, range, digits, close, linters] = m;
  if (Boolean(open) !== Boolean(close)) fail(lineNo, `unbalanced brackets in "${token}"`);
  const max = Number(digits);
  return {
    type: type as Component["type"],
    min: range ? 1 : max,
    max,
    optional: Boolean(open),
    linters: linters ? linters.slice(1).split(",") : [],
  };
}

function expandRange(token: string, lineNo: number): string[] {
  const m = AI_OR_RANGE.exec(token);
  if (!m) fail(lineNo, `bad AI "${token}"`);
  const [, first = "", last] = m;
  if (last === undefined) return [first];
  if (last.length !== first.length || Number(last) < Number(first)) {
    fail(lineNo, `bad AI range "${token}"`);
  }
  const ais: string[] = [];
  for (let n = Number(first); n <= Number(last); n++)
    ais.push(String(n).padStart(first.length, "0"));
  return ais;
}

function parseLine(line: string, lineNo: number): Entry[] {
  const hash = line.indexOf("#");
  const title = hash >= 0 ? line.slice(hash + 1).trim() : "";
  const tokens = (hash >= 0 ? line.slice(0, hash) : line).trim().split(/\s+/);
  const [aiToken = "", ...rest] = tokens;
  const ais = expandRange(aiToken, lineNo);

  let flags = "";
  if (rest[0] !== undefined && FLAG_CHARS.test(rest[0]) && !COMPONENT.test(rest[0])) {
    flags = rest.shift() ?? "";
  }
  const components: Component[] = [];
  while (rest[0] !== undefined && COMPONENT.test(rest[0])) {
    components.push(parseComponent(rest.shift() ?? "", lineNo));
  }
  if (components.length === 0) fail(lineNo, "no format specification");
  components.forEach((c, i) => {
    if (c.min !== c.max && i !== components.length - 1) fail(lineNo, "variable length not last");
    if (!c.optional && components.slice(0, i).some((p) => p.optional)) {
      fail(lineNo, "mandatory component after an optional one");
    }
  });

  let dlPrimaryKey: string[][] | null = null;
  const req: string[][][] = [];
  const ex: string[] = [];
  for (const attr of rest) {
    if (attr === "dlpkey") {
      dlPrimaryKey = [...(dlPrimaryKey ?? []), []];
    } else if (attr.startsWith("dlpkey=")) {
      const sequences = attr
        .slice("dlpkey=".length)
        .split("|")
        .map((seq) => seq.split(","));
      dlPrimaryKey = [...(dlPrimaryKey ?? []), ...sequences];
    } else if (attr.startsWith("req=")) {
      req.push(
        attr
          .slice("req=".length)
          .split(",")
          .map((alt) => alt.split("+")),
      );
    } else if (attr.startsWith("ex=")) {
      ex.push(...attr.slice("ex=".length).split(","));
    } else {
      fail(lineNo, `unknown attribute "${attr}"`);
    }
  }

  const fnc1 = !flags.includes("*");
  if (!fnc1 && components.some((c) => c.min !== c.max || c.optional)) {
    fail(lineNo, "predefined-length AI with a variable-length format");
  }
  return ais.map((ai) => ({
    ai,
    title,
    fnc1,
    dlDataAttribute: flags.includes("?"),
    components,
    dlPrimaryKey,
    req,
    ex,
  }));
}

export function parseDictionary(text: string): { release: string; entries: Entry[] } {
  const release = /^#\s*Release:\s*(\S+)/m.exec(text)?.[1] ?? "unknown";
  const entries: Entry[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "" || line.trimStart().startsWith("#")) return;
    entries.push(...parseLine(line, i + 1));
  });

  // Raw element strings carry no AI length, so parsing relies on no AI being a prefix of another.
  const ais = new Set(entries.map((e) => e.ai));
  if (ais.size !== entries.length) throw new Error("duplicate AI in dictionary");
  for (const ai of ais) {
    for (let len = 2; len < ai.length; len++) {
      if (ais.has(ai.slice(0, len))) throw new Error(`AI ${ai.slice(0, len)} is a prefix of ${ai}`);
    }
  }
  return { release, entries };
}

const HEADER = `/** One component of an AI's data field, e.g. \`N13,csum\` or \`[X..17]\`. */
export interface AiComponent {
  /** N digits, X CSET 82, Y CSET 39, Z base64url (CSET 64). */
  readonly type: "N" | "X" | "Y" | "Z";
  readonly min: number;
  readonly max: number;
  /** Written in brackets: may be left out once the data is exhausted. */
  readonly optional: boolean;
  /** GS1 Barcode Syntax Tests ("linters") applied to this component, e.g. csum, yymmd0. */
  readonly linters: readonly string[];
}

export interface AiEntry {
  readonly ai: string;
  readonly title: string;
  /** False for predefined-length AIs (flag \`*\`): no FNC1 separator is needed after them. */
  readonly fnc1: boolean;
  /** Flag \`?\`: may appear as a data attribute in a Digital Link query string. */
  readonly dlDataAttribute: boolean;
  readonly components: readonly AiComponent[];
  /** \`dlpkey\`: null when not a Digital Link primary key, else the allowed ordered qualifier sequences ([[]]: none). */
  readonly dlPrimaryKey: readonly (readonly string[])[] | null;
  /** \`req=\` attributes: each must be met by one alternative, whose AIs (joined by + in the dictionary) are all present; \`n\` matches any digit. */
  readonly req: readonly (readonly (readonly string[])[])[];
  /** \`ex=\`: AIs or patterns that must not appear together with this AI (other than itself). */
  readonly ex: readonly string[];
}
`;

function renderEntry(e: Entry): string {
  const components = e.components
    .map(
      (c) =>
        `{ type: "${c.type}", min: ${c.min}, max: ${c.max}, optional: ${c.optional}, linters: ${JSON.stringify(c.linters)} }`,
    )
    .join(", ");
  return (
    `  { ai: ${JSON.stringify(e.ai)}, title: ${JSON.stringify(e.title)}, fnc1: ${e.fnc1}, ` +
    `dlDataAttribute: ${e.dlDataAttribute}, components: [${components}], ` +
    `dlPrimaryKey: ${JSON.stringify(e.dlPrimaryKey)}, req: ${JSON.stringify(e.req)}, ex: ${JSON.stringify(e.ex)} },`
  );
}

export function generateAiTable(dictionaryText: string): string {
  const { release, entries } = parseDictionary(dictionaryText);
  return [
    "// GENERATED FILE, do not edit: run `npm run gen:ai-table` (scripts/gen-ai-table.ts).",
    `// Source: test/fixtures/gs1/gs1-syntax-dictionary.txt, GS1 Barcode Syntax Dictionary release ${release}`,
    "// (gs1/gs1-syntax-engine, Apache-2.0). AI ranges such as 3100-3105 are expanded.",
    "",
    HEADER,
    `export const AI_DICTIONARY_RELEASE = ${JSON.stringify(release)};`,
    "",
    "export const AI_TABLE: readonly AiEntry[] = [",
    ...entries.map(renderEntry),
    "];",
    "",
  ].join("\n");
}

/** True when the committed table is what the generator would write now. */
export function isAiTableUpToDate(): boolean {
  const expected = generateAiTable(readFileSync(DICTIONARY_PATH, "utf8"));
  return readFileSync(OUTPUT_PATH, "utf8") === expected;
}

function main(): void {
  if (process.argv.includes("--check")) {
    if (!isAiTableUpToDate()) {
      console.error(`${OUTPUT_PATH} is stale: run npm run gen:ai-table`);
      process.exitCode = 1;
    }
    return;
  }
  const source = generateAiTable(readFileSync(DICTIONARY_PATH, "utf8"));
  writeFileSync(OUTPUT_PATH, source);
  console.log(`wrote ${OUTPUT_PATH}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
