// GS1's own Digital Link parser vectors: what gs1-syntax-engine accepts (with the AIs it reads) and refuses.
// Source: gs1/gs1-syntax-engine, src/c-lib/dl.c, test_dl_parseDLuri (Apache-2.0, © GS1 AISBL), as facts:
// each URI with GS1's verdict; the expected AIs are GS1's "^…" data strings written out as elements.
import { describe, expect, it } from "vitest";
import { parseDigitalLink } from "./digital-link";

const G = "12312312312333";

/** [uri, the AIs GS1 reads, in path then query order]. */
const ACCEPTED: [string, string][] = [
  ["http://a/00/006141411234567890", "(00)006141411234567890"],
  ["https://a/00/006141411234567890", "(00)006141411234567890"],
  [`https://a/01/${G}`, `(01)${G}`],
  [`https://xn--fsq.xn--0zwm56d/01/${G}`, `(01)${G}`],
  [`https://a./01/${G}`, `(01)${G}`],
  [`https://a:65535/01/${G}`, `(01)${G}`],
  [`https://192.0.2.1/01/${G}`, `(01)${G}`],
  [`https://3232235777/01/${G}`, `(01)${G}`],
  [`https://0300.0250.01.01/01/${G}`, `(01)${G}`],
  [`https://0xC0.0xA8.0x01.0x01/01/${G}`, `(01)${G}`],
  [`https://[2001:db8::1]/01/${G}`, `(01)${G}`],
  ["https://a/stem/00/006141411234567890", "(00)006141411234567890"],
  ["https://a/more/stem/00/006141411234567890", "(00)006141411234567890"],
  ["https://a/00/faux/00/006141411234567890", "(00)006141411234567890"],
  [`https://a/gtin/${G}`, `(01)${G}`],
  [`https://a/gtin/${G}/ser/ABC123`, `(01)${G}(21)ABC123`],
  ["https://a/sscc/006141411234567890", "(00)006141411234567890"],
  [`https://a/01/${G}/22/TEST/10/ABC/21/XYZ`, `(01)${G}(22)TEST(10)ABC(21)XYZ`],
  [`https://a/01/${G}/235/TEST`, `(01)${G}(235)TEST`],
  ["https://a/253/1231231231232", "(253)1231231231232"],
  ["https://a/253/1231231231232TEST5678901234567", "(253)1231231231232TEST5678901234567"],
  ["https://a/8018/123456789012345675/8019/123", "(8018)123456789012345675(8019)123"],
  ["https://a/stem/00/006141411234567890?", "(00)006141411234567890"],
  ["https://a/stem/00/006141411234567890?99=ABC", "(00)006141411234567890(99)ABC"],
  ["https://a/stem/401/12345678?99=ABC", "(401)12345678(99)ABC"],
  [`https://a/01/${G}?99=ABC&98=XYZ`, `(01)${G}(99)ABC(98)XYZ`],
  [`https://a/01/${G}?&&&99=ABC&&&&&&98=XYZ&&&`, `(01)${G}(99)ABC(98)XYZ`],
  [`https://a/01/${G}?99=ABC&unknown=666&98=XYZ`, `(01)${G}(99)ABC(98)XYZ`],
  [
    `https://a/01/${G}?unknown1=555&99=ABC&unknown2=666&98=XYZ&unknown3=777`,
    `(01)${G}(99)ABC(98)XYZ`,
  ],
  [`https://a/01/${G}?singleton1&99=ABC&singleton2&98=XYZ&singleton3`, `(01)${G}(99)ABC(98)XYZ`],
  [`https://a/01/${G}/22/ABC%2d123?99=ABC&98=XYZ%2f987`, `(01)${G}(22)ABC-123(99)ABC(98)XYZ/987`],
  [`https://a/01/${G}/22/ABC+123?99=ABC&98=XYZ%2f987`, `(01)${G}(22)ABC+123(99)ABC(98)XYZ/987`],
  [`https://a/01/${G}/22/test/10/abc/21/xyz#`, `(01)${G}(22)test(10)abc(21)xyz`],
  [`https://a/01/${G}/22/test/10/abc/21/xyz#fragment`, `(01)${G}(22)test(10)abc(21)xyz`],
  ["https://a/stem/00/006141411234567890?99=ABC#fragment", "(00)006141411234567890(99)ABC"],
  ["https://id.gs1.org/01/09520123456788", "(01)09520123456788"],
  ["https://id.gs1.org/01/09520123456788/22/2A", "(01)09520123456788(22)2A"],
  ["https://id.gs1.org/01/09520123456788/10/ABC123", "(01)09520123456788(10)ABC123"],
  ["https://id.gs1.org/01/09520123456788/21/12345", "(01)09520123456788(21)12345"],
  [
    "https://id.gs1.org/01/09520123456788/10/ABC1/21/12345?17=180426",
    "(01)09520123456788(10)ABC1(21)12345(17)180426",
  ],
  ["https://id.gs1.org/01/09520123456788?3103=000195", "(01)09520123456788(3103)000195"],
  [
    "https://example.com/01/09520123456788?3103=000195&3922=0299&17=201225",
    "(01)09520123456788(3103)000195(3922)0299(17)201225",
  ],
  ["https://id.gs1.org/00/952012345678912345", "(00)952012345678912345"],
  [
    "https://id.gs1.org/00/952012345678912345?02=09520123456788&37=25&10=ABC123",
    "(00)952012345678912345(02)09520123456788(37)25(10)ABC123",
  ],
  ["https://id.gs1.org/414/9520123456788", "(414)9520123456788"],
  ["https://id.gs1.org/414/9520123456788/254/32a%2Fb", "(414)9520123456788(254)32a/b"],
  [
    "https://example.com/8004/9520614141234567?01=09520123456788",
    "(8004)9520614141234567(01)09520123456788",
  ],
  [
    "https://id.gs1.org/01/09520123456788/235/XYZ?10=ABC123",
    "(01)09520123456788(235)XYZ(10)ABC123",
  ],
  ["https://a/8004/9520614141234567?01=09521234543213", "(8004)9520614141234567(01)09521234543213"],
];

const REFUSED: string[] = [
  "",
  "ftp://",
  "http://",
  "http:///",
  "http://a",
  "http://a/",
  "http://a/b",
  "http://a/b/",
  "HtTp://a/b/00/006141411234567890",
  "https://00/006141411234567890",
  `https://[fe80::1%25lo]/01/${G}`,
  "https://$a/006141411234567890",
  "https://a$/006141411234567890",
  ...["<", ">", "{", "}", "\\", "^", "`"].map((c) => `https://a/01/${G}${c}bad`),
  "https://a/zzz/12312312312333",
  "https://a/cps/12312312312333",
  "https://a/01/2112345678900",
  "https://a/01/416000336108",
  "https://a/01/02345673",
  "https://a/8004/9520614141234567?01=2112345678900",
  "https://a/8004/9520614141234567?01=02345673",
  "https://a/253/1231231231232TEST56789012345678",
  "https://a/stem/00/006141411234567890/",
  `https://a/01/${G}?99=`,
  `https://a/01/${G}?99=ABC&999=faux`,
  `https://a/01/${G}/22/ABC%2d123?99=ABC&98=XYZ+987`,
  "https://example.com/01/09520123456788?10=ABC123",
  "https://id.gs1.org/01/09520123456788/10/ABC123?99=XYZ789&01=09520123456788",
  "https://id.gs1.org/01/09520123456788/10/ABC123?99=XYZ789&10=ABC123",
  "https://id.gs1.org/01/09520123456788/10/ABC123?99=XYZ789&99=XYZ789",
  "https://example.com/01/09520123456788/89/ABC123?99=XYZ",
  "https://example.com/01/09520123456788?99=XYZ&89=ABC123",
  `https://a/01//${G}`,
  "https://a/01/1231231231233%003",
  `https://a/01/${G}?99=ABC%00DEF`,
  `https://a/01/${G}/10/`,
  `https://a/01/${G}/99/ABC`,
];

const asElements = (uri: string): string | null => {
  const r = parseDigitalLink(uri, { gbt33993: false });
  if (!r.ok) return null;
  const { primaryKey, qualifiers, attributes } = r.value;
  return [
    primaryKey,
    ...qualifiers,
    ...Object.entries(attributes).map(([ai, value]) => ({ ai, value })),
  ]
    .map((e) => `(${e.ai})${e.value}`)
    .join("");
};

/** Path AIs keep their order; query attributes are a set (GS1 sorts them, a JS record by number). */
const normalise = (elements: string | null): string[] | null => {
  if (elements === null) return null;
  const groups = [...elements.matchAll(/\((\d+)\)([^(]*)/g)].map((m) => m[0]);
  return groups;
};

describe("GS1 syntax engine: URIs it accepts", () => {
  it.each(ACCEPTED)("%s", (uri, elements) => {
    const got = normalise(asElements(uri));
    expect(got?.slice().sort()).toEqual(normalise(elements)?.slice().sort());
    const r = parseDigitalLink(uri, { gbt33993: false });
    const pathAis = r.ok ? [r.value.primaryKey, ...r.value.qualifiers].map((e) => e.ai) : [];
    expect(
      normalise(elements)
        ?.slice(0, pathAis.length)
        .map((g) => g.slice(1, g.indexOf(")"))),
    ).toEqual(pathAis);
  });
});

describe("GS1 syntax engine: URIs it refuses", () => {
  it.each(REFUSED.map((u) => [u]))("%s", (uri) => {
    expect(parseDigitalLink(uri, { gbt33993: false }).ok).toBe(false);
  });
});

describe("where this parser is stricter than GS1's engine", () => {
  it("refuses an all-upper-case scheme, which the engine still reads (URI Syntax 1.6 writes it in lower case)", () => {
    for (const uri of ["HTTP://a/00/006141411234567890", "HTTPS://a/00/006141411234567890"]) {
      expect(parseDigitalLink(uri)).toMatchObject({ ok: false, error: { code: "bad_scheme" } });
    }
  });
});
