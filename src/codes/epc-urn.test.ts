import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CANONICAL_DL_ORIGIN,
  DEFAULT_COMPANY_PREFIX_LENGTH,
  digitalLinkToUrn,
  normaliseEpc,
  urnToDigitalLink,
} from "./epc-urn";

const DL = CANONICAL_DL_ORIGIN;

/** Company prefix length as a URN writes it: the digits before the first dot of the body. */
function prefixLength(urn: string): number {
  const body = urn.split(":")[4] ?? "";
  return body.indexOf(".");
}

// Vectors of the EPC Tag Data Standard and of the Event Hash reference implementation
// (RalphTro/epcis-event-hash-generator, tests/dl_normaliser_test.py).
const URN_TO_DL: [string, string][] = [
  ["urn:epc:id:sgtin:0614141.107346.2017", `${DL}/01/10614141073464/21/2017`],
  ["urn:epc:id:sgtin:4012345.011111.98%22", `${DL}/01/04012345111118/21/98%22`],
  ["urn:epc:id:sgtin:415056789012.0.987654", `${DL}/01/04150567890128/21/987654`],
  [
    "urn:epc:id:sgtin:0614141.812345.6789%2F%26%25%22!%3F()",
    `${DL}/01/80614141123458/21/6789%2F%26%25%22%21%3F%28%29`,
  ],
  ["urn:epc:id:sscc:4012345.3111111111", `${DL}/00/340123451111111111`],
  ["urn:epc:id:sscc:4012345.0000000011", `${DL}/00/040123450000000115`],
  ["urn:epc:id:sgln:4012345.00005.122", `${DL}/414/4012345000054/254/122`],
  ["urn:epc:id:sgln:4012345.00005.0", `${DL}/414/4012345000054`],
  ["urn:epc:id:sgln:952005385.011.scA", `${DL}/414/9520053850113/254/scA`],
  ["urn:epc:id:grai:4012345.00022.334455", `${DL}/8003/04012345000221334455`],
  ["urn:epc:id:giai:4012345.ABC345", `${DL}/8004/4012345ABC345`],
  ["urn:epc:id:gsrn:4012345.0000006765", `${DL}/8018/401234500000067657`],
  ["urn:epc:id:gsrn:4012345.9876540000", `${DL}/8018/401234598765400000`],
  ["urn:epc:id:gsrnp:4012345.0000000007", `${DL}/8017/401234500000000074`],
  ["urn:epc:id:gsrnp:4012345.0000098765", `${DL}/8017/401234500000987658`],
  ["urn:epc:id:gdti:4012345.00009.PO-4711", `${DL}/253/4012345000092PO-4711`],
  ["urn:epc:id:gdti:987659999999..9", `${DL}/253/98765999999929`],
  [
    "urn:epc:id:cpi:0614141.11111111111111-A%23%2F.1234",
    `${DL}/8010/061414111111111111111-A%23%2F/8011/1234`,
  ],
  ["urn:epc:id:ginc:0614141.xyz47%2F11", `${DL}/401/0614141xyz47%2F11`],
  ["urn:epc:id:gsin:4012345.222333444", `${DL}/402/40123452223334442`],
  ["urn:epc:id:gsin:4012345.999987654", `${DL}/402/40123459999876541`],
  ["urn:epc:id:itip:4012345.011111.01.02.987", `${DL}/8006/040123451111180102/21/987`],
  [
    "urn:epc:id:upui:1234567.098765.51qIgY)%3C%26Jp3*j7SDB",
    `${DL}/01/01234567987651/235/51qIgY%29%3C%26Jp3%2Aj7SDB`,
  ],
  ["urn:epc:id:pgln:4000001.00000", `${DL}/417/4000001000005`],
  ["urn:epc:id:pgln:999999999999.", `${DL}/417/9999999999994`],
  ["urn:epc:id:sgcn:4012345.99999.44", `${DL}/255/401234599999044`],
  ["urn:epc:class:lgtin:4012345.012345.998877", `${DL}/01/04012345123456/10/998877`],
  ["urn:epc:class:lgtin:4012345.012345.Lot987", `${DL}/01/04012345123456/10/Lot987`],
  ["urn:epc:idpat:sgtin:4012345.012345.*", `${DL}/01/04012345123456`],
  ["urn:epc:idpat:grai:4012345.99999.*", `${DL}/8003/04012345999990`],
  ["urn:epc:idpat:gdti:4012345.11111.*", `${DL}/253/4012345111118`],
  ["urn:epc:idpat:sgcn:4012345.22222.*", `${DL}/255/4012345222227`],
  ["urn:epc:idpat:cpi:4012345.AB12.*", `${DL}/8010/4012345AB12`],
  ["urn:epc:idpat:itip:4012345.012345.01.02.*", `${DL}/8006/040123451234560102`],
  ["urn:epc:idpat:upui:4012345.012345.*", `${DL}/01/04012345123456`],
];

// Every GS1 EPC URN in the EPCIS 2.0 conformance documents (shared/conformance/epcis).
const CONFORMANCE_URNS = [
  "urn:epc:class:lgtin:0614141.077777.987",
  "urn:epc:class:lgtin:4012345.011111.1234",
  "urn:epc:class:lgtin:4012345.099988.2014-02-10",
  "urn:epc:class:lgtin:4023333.002000.2019-10-07",
  "urn:epc:class:lgtin:4023333.055555.ABC123",
  "urn:epc:class:lgtin:4054739.012345.lot2",
  "urn:epc:class:lgtin:4054739.099902.P20131121",
  "urn:epc:id:cpi:4012345.ABC.123",
  "urn:epc:id:gdti:0614141.00001.1618034",
  "urn:epc:id:gdti:95252084.0001.0003555480001000",
  "urn:epc:id:giai:4000001.12345",
  "urn:epc:id:giai:4012345.AAbb",
  "urn:epc:id:giai:735005385.vehicle1",
  "urn:epc:id:ginc:4012345.333",
  "urn:epc:id:grai:4012345.55555.987",
  "urn:epc:id:grai:4012345.66666.87",
  "urn:epc:id:gsin:4012345.999987654",
  "urn:epc:id:gsrn:0614141.0000010253",
  "urn:epc:id:gsrn:95252084.000000001",
  "urn:epc:id:gsrnp:4012345.0000098765",
  "urn:epc:id:itip:4012345.012345.01.02.999",
  "urn:epc:id:pgln:0614141.00777",
  "urn:epc:id:pgln:4012345.00225",
  "urn:epc:id:sgcn:4012345.99999.44",
  "urn:epc:id:sgln:0012345.11111.400",
  "urn:epc:id:sgln:0353579.00001.0",
  "urn:epc:id:sgln:952005385.011.ts4711",
  "urn:epc:id:sgln:9524678.90000.WarehouseD1",
  "urn:epc:id:sgtin:0614141.107340.1",
  "urn:epc:id:sgtin:4000001.065432.99886655",
  "urn:epc:id:sgtin:4047023.077551.107",
  "urn:epc:id:sscc:0614141.1234567890",
  "urn:epc:id:sscc:5200001.0111111146",
  "urn:epc:id:upui:4012345.012345.AB12",
  "urn:epc:idpat:cpi:4012345.ABC.*",
  "urn:epc:idpat:gdti:4012345.55555.*",
  "urn:epc:idpat:grai:4012345.66666.*",
  "urn:epc:idpat:itip:4012345.012345.01.02.*",
  "urn:epc:idpat:sgcn:4012345.99999.*",
  "urn:epc:idpat:sgtin:4012345.066666.*",
];

describe("urnToDigitalLink", () => {
  it.each(URN_TO_DL)("%s → %s", (urn, dl) => {
    expect(urnToDigitalLink(urn)).toBe(dl);
  });

  it("takes the indicator digit from the item reference and computes the check digit", () => {
    // The indicator 1 leads the GTIN: 1 0614141 07346 4, not 0 0614141 07346 4.
    expect(urnToDigitalLink("urn:epc:id:sgtin:0614141.107346.2017")).toBe(
      `${DL}/01/10614141073464/21/2017`,
    );
  });

  it.each([
    "urn:epc:id:gid:95100000.12345.400",
    "urn:epc:id:usdod:CAGEY.5678",
    "urn:epcglobal:cbv:bt:0614141073467:1152",
    "urn:epc:idpat:sgtin:4012345.*.*",
    "urn:epc:idpat:sgln:4012345.00001.*",
    "urn:epc:id:sgtin:0614141.107346.2018?EQ_bizStep=shipping",
    "https://example.com/x",
    "",
  ])("returns null for %s, which has no Digital Link", (uri) => {
    expect(urnToDigitalLink(uri)).toBeNull();
  });

  it.each([
    ["company prefix too short", "urn:epc:id:sgtin:06141.1073461.2017"],
    ["wrong total length", "urn:epc:id:sgtin:0614141.10734.2017"],
    ["serial longer than 20", `urn:epc:id:sgtin:0614141.107346.${"1".repeat(21)}`],
    ["empty serial", "urn:epc:id:sgtin:0614141.107346."],
    ["raw slash", "urn:epc:id:sgtin:0614141.107346.a/b"],
    ["raw space", "urn:epc:id:sgtin:0614141.107346.a b"],
    ["broken escape", "urn:epc:id:sgtin:0614141.107346.a%2"],
    ["escape outside CSET 82", "urn:epc:id:sgtin:0614141.107346.a%23"],
    ["letters in the reference", "urn:epc:id:sscc:0614141.12345678X0"],
    ["sscc too long", "urn:epc:id:sscc:0614141.12345678901"],
    ["sgln extension too long", `urn:epc:id:sgln:0614141.07346.${"1".repeat(21)}`],
    ["cpi serial with a leading zero", "urn:epc:id:cpi:4012345.ABC.0123"],
    ["cpi lower-case reference", "urn:epc:id:cpi:4012345.abc.123"],
    ["sgcn serial not numeric", "urn:epc:id:sgcn:4012345.99999.4A"],
    ["giai too long", `urn:epc:id:giai:4012345.${"A".repeat(24)}`],
    ["itip piece above total", "urn:epc:id:itip:4012345.012345.03.02.999"],
  ])("returns null for a malformed URN (%s)", (_reason, urn) => {
    expect(urnToDigitalLink(urn)).toBeNull();
  });
});

describe("digitalLinkToUrn", () => {
  it.each(URN_TO_DL.filter(([urn]) => !urn.startsWith("urn:epc:idpat:upui")))(
    "turns the link of %s back into it with its company prefix length",
    (urn, dl) => {
      expect(digitalLinkToUrn(dl, prefixLength(urn))).toBe(urn);
    },
  );

  it.each(CONFORMANCE_URNS)("round-trips the conformance URN %s", (urn) => {
    const dl = urnToDigitalLink(urn);
    expect(dl).not.toBeNull();
    expect(digitalLinkToUrn(dl ?? "", prefixLength(urn))).toBe(urn);
  });

  it("assumes a 7-digit company prefix unless told otherwise", () => {
    expect(DEFAULT_COMPANY_PREFIX_LENGTH).toBe(7);
    expect(digitalLinkToUrn(`${DL}/01/10614141073464/21/2017`)).toBe(
      "urn:epc:id:sgtin:0614141.107346.2017",
    );
    expect(digitalLinkToUrn(`${DL}/01/06901234567892/10/LOT1234`)).toBe(
      "urn:epc:class:lgtin:6901234.056789.LOT1234",
    );
    expect(digitalLinkToUrn(`${DL}/01/04012345123456/21/1`, 9)).toBe(
      "urn:epc:id:sgtin:401234512.0345.1",
    );
  });

  it("assumes an 8-digit company prefix for GS1 China 692 and 693 prefixes", () => {
    expect(digitalLinkToUrn(`${DL}/01/06923456789012/21/A1`)).toBe(
      "urn:epc:id:sgtin:69234567.08901.A1",
    );
    expect(digitalLinkToUrn(`${DL}/414/6923456789012`)).toBe("urn:epc:id:sgln:69234567.8901.0");
  });

  it("rejects a company prefix length outside 6-12", () => {
    expect(() => digitalLinkToUrn(`${DL}/01/04012345123456`, 5)).toThrow(RangeError);
    expect(() => digitalLinkToUrn(`${DL}/01/04012345123456`, 13)).toThrow(RangeError);
    expect(() => digitalLinkToUrn(`${DL}/01/04012345123456`, 7.5)).toThrow(RangeError);
  });

  it("accepts any host, a path prefix, short names, padded GTINs and ignores the query", () => {
    expect(
      digitalLinkToUrn("https://example.cn/p/01/06901234567892/10/LOT1234/21/SN0001?17=261231"),
    ).toBe("urn:epc:id:sgtin:6901234.056789.SN0001");
    expect(digitalLinkToUrn("http://example.com/gtin/9780345418913/ser/765tz")).toBe(
      "urn:epc:id:sgtin:9780345.041891.765tz",
    );
    expect(digitalLinkToUrn("https://id.gs1.de/00/040123451111111110")).toBe(
      "urn:epc:id:sscc:4012345.0111111111",
    );
  });

  it("URN-escapes what the Digital Link percent-encodes", () => {
    expect(digitalLinkToUrn(`${DL}/01/04012345111118/21/a%2Fb%26c%25d%22e%3Ff%3Cg%3E%21`)).toBe(
      "urn:epc:id:sgtin:4012345.011111.a%2Fb%26c%25d%22e%3Ff%3Cg%3E!",
    );
    expect(digitalLinkToUrn(`${DL}/8010/4012345A%23%2F/8011/7`)).toBe(
      "urn:epc:id:cpi:4012345.A%23%2F.7",
    );
  });

  it.each([
    ["not a Digital Link", "https://example.com/abc/9780345418913"],
    ["unknown AI", "https://id.gs1.org/99/9780345418913"],
    ["unknown qualifier", "https://id.gs1.org/01/9780345418913/99/x"],
    ["qualifiers out of order", "https://id.gs1.org/01/09780345418913/21/1/10/2"],
    ["wrong check digit", "https://id.gs1.org/01/09780345418914"],
    ["wrong length", "https://id.gs1.org/01/97803"],
    ["ITIP too short", "https://id.gs1.org/8006/04012345123456/22/ABCD/10/XYZ"],
    ["serial outside CSET 82", "https://id.gs1.org/01/09780345418913/21/a%23b"],
    ["broken percent-encoding", "https://id.gs1.org/01/09780345418913/21/a%E0"],
    ["CPV without lot or serial", "https://id.gs1.org/01/09780345418913/22/A"],
    ["GLN extension 0", "https://id.gs1.org/414/4012345000054/254/0"],
    ["not a web URI", "urn:epc:id:sgtin:0614141.107346.2017"],
  ])("returns null when there is no URN (%s)", (_reason, uri) => {
    expect(digitalLinkToUrn(uri)).toBeNull();
  });
});

describe("normaliseEpc", () => {
  it("turns GS1 URNs into id.gs1.org Digital Links", () => {
    expect(normaliseEpc("urn:epc:id:sgtin:0614141.107346.2017")).toBe(
      `${DL}/01/10614141073464/21/2017`,
    );
  });

  it.each([
    ["https://id.gs1.org/gtin/09780345418913", `${DL}/01/09780345418913`],
    [
      "https://example.com/gtin/09780345418913/21/765tz?abc=211121",
      `${DL}/01/09780345418913/21/765tz`,
    ],
    ["http://example.de/gtin-8/01/97803119", `${DL}/01/00000097803119`],
    ["http://us-company-with-UPC.com/01/001122334455", `${DL}/01/00001122334455`],
    ["https://ean-13.de/gtin/4012345123456/ser/ABC524", `${DL}/01/04012345123456/21/ABC524`],
    ["http://id.gs1.org/gtin/9780345418913", `${DL}/01/09780345418913`],
    [
      "https://id.gs1.org/gtin/9780345418913/cpv/344/lot/1223/ser/765tz",
      `${DL}/01/09780345418913/21/765tz`,
    ],
    ["https://id.gs1.org/gtin/9780345418913/cpv/344", `${DL}/01/09780345418913`],
    ["http://example.de/01/040123451235/cpv/344/lot/ABD", `${DL}/01/00040123451235/10/ABD`],
    ["https://id.gs1.org/itip/123456789101100190/cpv/ABCD", `${DL}/8006/123456789101100190`],
    [
      "https://fashion-corp.com/8006/040123451234560102/22/AB/21/443322",
      `${DL}/8006/040123451234560102/21/443322`,
    ],
    [
      "https://id.gs1.org/8006/040123451234560102/22/ABCD/10/XYZ",
      `${DL}/8006/040123451234560102/10/XYZ`,
    ],
    ["https://gs1.test.example.org/01/9780345418913/10/1223", `${DL}/01/09780345418913/10/1223`],
    ["https://example.org/01/9780345418913/21/765tz?11=221109", `${DL}/01/09780345418913/21/765tz`],
    ["https://example.co.uk/party/4226350800008", `${DL}/417/4226350800008`],
    ["https://id.gs1.org/414/4280000000002/254/12", `${DL}/414/4280000000002/254/12`],
    ["https://id.gs1.org/8003/03870585000552987", `${DL}/8003/03870585000552987`],
    ["https://id.gs1.org/8004/0180451111ABC987", `${DL}/8004/0180451111ABC987`],
    ["https://id.gs1.org/8018/385888700111111111", `${DL}/8018/385888700111111111`],
    ["https://id.gs1.org/253/4602443000331XYZ", `${DL}/253/4602443000331XYZ`],
    ["https://id.gs1.org/8010/0628165987/8011/9876", `${DL}/8010/0628165987/8011/9876`],
    ["https://id.gs1.org/255/0811625999996554433", `${DL}/255/0811625999996554433`],
    [
      "http://fashion.com/itip/040123451234560102/ser/ABC145",
      `${DL}/8006/040123451234560102/21/ABC145`,
    ],
    ["https://id.example.org/8004/401234599999", `${DL}/8004/401234599999`],
    ["https://id.gs1.org/01/09780345418913/21/a%2fb", `${DL}/01/09780345418913/21/a%2Fb`],
    ["https://id.gs1.org/01/09780345418913/21/a!b", `${DL}/01/09780345418913/21/a%21b`],
  ])("rewrites %s in constrained canonical form", (uri, expected) => {
    expect(normaliseEpc(uri)).toBe(expected);
  });

  it.each([
    "urn:epcglobal:cbv:bt:0614141073467:1152",
    "urn:epc:id:gid:95100000.12345.400",
    "http://example.org/123/4012345ABC987/456/4711",
    "http://id.gs1.org/01/9780345418913/99/utfgf",
    "https://id.gs1.org/8006/04012345123456/22/ABCD/10/XYZ",
    // Wrong check digits: not a GS1 key, so not rewritten (the Python reference rewrites them).
    "http://example.de/gtin-8/01/97803111",
    "http://example.de/01/040123451234/cpv/344/lot/ABD",
    "geo:50.947573340894124,6.922120147375441",
    "https://ns.example.com/epcis/",
    "42",
    "",
  ])("leaves %s unchanged", (uri) => {
    expect(normaliseEpc(uri)).toBe(uri);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const CSET82 =
  "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
const urnEscaped = new Set(['"', "%", "&", "/", "<", ">", "?"]);
const escapeUrn = (s: string) =>
  [...s]
    .map((c) => (urnEscaped.has(c) ? `%${c.charCodeAt(0).toString(16).toUpperCase()}` : c))
    .join("");

const serial = fc
  .array(fc.constantFrom(...CSET82.split("")), { minLength: 1, maxLength: 20 })
  .map((chars) => chars.join(""));
const sgtinParts = fc.integer({ min: 6, max: 12 }).chain((cpl) =>
  fc.record({
    cp: fc.stringMatching(new RegExp(`^\\d{${cpl}}$`)),
    item: fc.stringMatching(new RegExp(`^\\d{${13 - cpl}}$`)),
    serial,
  }),
);

describe("properties", () => {
  it("URN → Digital Link → URN is the identity for SGTINs with any serial", () => {
    fc.assert(
      fc.property(sgtinParts, ({ cp, item, serial }) => {
        const urn = `urn:epc:id:sgtin:${cp}.${item}.${escapeUrn(serial)}`;
        const dl = urnToDigitalLink(urn);
        expect(dl).not.toBeNull();
        expect(digitalLinkToUrn(dl ?? "", cp.length)).toBe(urn);
        // The Digital Link carries the serial itself once percent-decoded.
        expect(decodeURIComponent(dl?.split("/21/")[1] ?? "")).toBe(serial);
      }),
    );
  });

  it("URN → Digital Link → URN is the identity for SGLNs, GIAIs and SSCCs", () => {
    fc.assert(
      fc.property(fc.integer({ min: 6, max: 12 }), fc.nat(), serial, (cpl, n, text) => {
        const digits = (len: number) => (len === 0 ? "" : String(n).padStart(len, "7").slice(-len));
        const urns = [
          `urn:epc:id:sgln:${digits(cpl)}.${digits(12 - cpl)}.${escapeUrn(text)}`,
          `urn:epc:id:giai:${digits(cpl)}.${escapeUrn(text)}`,
          `urn:epc:id:sscc:${digits(cpl)}.${digits(17 - cpl)}`,
        ];
        for (const urn of urns) {
          if (urn.startsWith("urn:epc:id:sgln") && text === "0") continue;
          const dl = urnToDigitalLink(urn);
          expect(dl, urn).not.toBeNull();
          expect(digitalLinkToUrn(dl ?? "", cpl)).toBe(urn);
        }
      }),
    );
  });

  it("normalisation is idempotent and host-independent", () => {
    fc.assert(
      fc.property(
        sgtinParts,
        fc.constantFrom("https://example.cn", "http://a.b/c/d"),
        (parts, host) => {
          const dl =
            urnToDigitalLink(
              `urn:epc:id:sgtin:${parts.cp}.${parts.item}.${escapeUrn(parts.serial)}`,
            ) ?? "";
          expect(normaliseEpc(dl)).toBe(dl);
          expect(normaliseEpc(dl.replace(CANONICAL_DL_ORIGIN, host))).toBe(dl);
        },
      ),
    );
  });

  it("never throws on arbitrary input", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.webUrl(), fc.constant("urn:epc:id:sgtin:")), (s) => {
        expect(typeof normaliseEpc(s)).toBe("string");
        digitalLinkToUrn(s);
        urnToDigitalLink(s);
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Event Hash ID conformance: the identifiers in each expected pre-hash string are exactly the
// normalised identifiers of the matching event.

const FIXTURES = new URL("../../test/fixtures/event-hash/", import.meta.url);

function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === "object")
    for (const v of Object.values(value)) strings(v, out);
  return out;
}

const documents = readdirSync(FIXTURES)
  .filter((name) => name.endsWith(".prehashes"))
  .map((name) => name.replace(/\.prehashes$/, ""));

describe("event hash conformance identifiers", () => {
  it("has fixtures to check", () => {
    expect(documents.length).toBeGreaterThanOrEqual(8);
  });

  it.each(documents)("%s", (name) => {
    const doc = JSON.parse(readFileSync(new URL(`${name}.jsonld`, FIXTURES), "utf8")) as {
      epcisBody: { eventList: unknown[] };
    };
    const prehashes = readFileSync(new URL(`${name}.prehashes`, FIXTURES), "utf8")
      .split("\n")
      .filter((line) => line !== "");
    const events = doc.epcisBody.eventList;
    expect(prehashes).toHaveLength(events.length);

    events.forEach((event, i) => {
      const line = prehashes[i] ?? "";
      const ids = [
        ...new Set(
          strings(event)
            .map(normaliseEpc)
            .filter((s) => s.startsWith(`${CANONICAL_DL_ORIGIN}/`)),
        ),
      ].sort((a, b) => b.length - a.length);
      expect(ids.length, `${name} event ${i + 1}`).toBeGreaterThan(0);
      let rest = line;
      for (const id of ids) {
        expect(line, `${name} event ${i + 1}`).toContain(`=${id}`);
        rest = rest.replaceAll(`=${id}`, "=");
      }
      // Nothing the event does not account for is left in the pre-hash string.
      expect(rest, `${name} event ${i + 1}`).not.toContain(CANONICAL_DL_ORIGIN);
    });
  });
});
