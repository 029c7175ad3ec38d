// GS1 Digital Link URIs: hosts and prefixes, key-qualifier order, query attributes, encoding, GS1 EPCIS examples.
import { describe, expect, it } from "vitest";
import {
  digitalLinkPath,
  encodeComponent,
  formatDigitalLinkUri,
  parseDigitalLink,
  parseDigitalLinkPath,
  splitForDigitalLink,
} from "./digital-link";

const errorOf = (uri: string) => {
  const r = parseDigitalLink(uri);
  return r.ok ? undefined : r.error;
};

describe("parseDigitalLink: structure", () => {
  it("reads the GB/T 33993 example", () => {
    expect(
      parseDigitalLink("https://example.cn/01/06901234567892/10/LOT1234/21/SN0001?17=261231"),
    ).toEqual({
      ok: true,
      value: {
        stem: "https://example.cn",
        primaryKey: { ai: "01", value: "06901234567892" },
        qualifiers: [
          { ai: "10", value: "LOT1234" },
          { ai: "21", value: "SN0001" },
        ],
        attributes: { "17": "261231" },
        otherParams: {},
      },
    });
  });

  it("accepts either scheme, any host, port and path prefix, and a fragment", () => {
    for (const uri of [
      "http://example.com/01/09506000134352",
      "https://EXAMPLE.COM/01/09506000134352",
      "https://example.com:8443/01/09506000134352",
      "https://example.com/some/prefix/01/09506000134352",
      "https://example.com/01/09506000134352#top",
    ]) {
      const r = parseDigitalLink(uri);
      expect(r.ok && r.value.primaryKey).toEqual({ ai: "01", value: "09506000134352" });
    }
    const r = parseDigitalLink("https://example.com/some/prefix/01/09506000134352/10/ABC");
    expect(r.ok && r.value.stem).toBe("https://example.com/some/prefix");
  });

  it("finds the key from the end, so a prefix may itself look like a key", () => {
    const r = parseDigitalLink("https://example.com/01/x/01/09506000134352/21/01");
    expect(r.ok && [r.value.stem, r.value.qualifiers]).toEqual([
      "https://example.com/01/x",
      [{ ai: "21", value: "01" }],
    ]);
  });

  it("refuses a GTIN in /01/ that is not written with 14 digits, saying how many it has", () => {
    for (const gtin of ["6901234567892", "036000291452", "96385074"]) {
      expect(errorOf(`https://example.com/01/${gtin}`)).toMatchObject({
        code: "bad_length",
        ai: "01",
        expected: "14 digits",
        got: `${gtin.length} digits`,
      });
    }
    expect(errorOf("https://example.com/01/6901234567892")?.message).toContain(
      "pad a GTIN-8, -12 or -13 with leading zeros",
    );
    // A GTIN carried as a data attribute is held to the same rule.
    expect(errorOf("https://e.com/8004/9520614141234567?01=2112345678900")).toMatchObject({
      code: "bad_length",
      ai: "01",
    });
  });

  it("refuses a scheme other than http or https in lower case", () => {
    for (const uri of [
      "HTTPS://example.com/01/09506000134352",
      "Https://example.com/01/09506000134352",
      "ftp://example.com/01/09506000134352",
    ]) {
      expect(errorOf(uri)).toMatchObject({ code: "bad_scheme" });
    }
    expect(errorOf("HtTp://a/01/09506000134352")?.message).toBe(
      "a Digital Link's scheme is http or https in lower case: got HtTp",
    );
  });

  it("refuses a missing host and characters no host holds", () => {
    expect(errorOf("https:///01/09506000134352")?.code).toBe("bad_host");
    expect(errorOf("https://user@example.com/01/09506000134352")).toMatchObject({
      code: "bad_host",
      got: "@",
      position: 13,
    });
    for (const host of ["$a", "a$", "a_b", "[fe80::1%25lo]", "a!b", "a~b", "a+b"]) {
      expect(errorOf(`https://${host}/01/09506000134352`)?.code).toBe("bad_host");
    }
  });

  it("accepts the host forms GS1's parser accepts: punycode, FQDN, port, IPv4, IPv6", () => {
    for (const host of [
      "xn--fsq.xn--0zwm56d",
      "a.",
      "a:65535",
      "192.0.2.1",
      "3232235777",
      "[2001:db8::1]",
    ]) {
      expect(parseDigitalLink(`https://${host}/01/12312312312333`).ok).toBe(true);
    }
  });

  it("refuses characters that a URI cannot hold unencoded", () => {
    for (const c of ["<", ">", "{", "}", "\\", "^", "`", " ", "中"]) {
      expect(errorOf(`https://a/01/12312312312333/10/A${c}B`)).toMatchObject({
        code: "bad_uri",
        position: 33,
      });
    }
  });

  it("refuses a trailing slash", () => {
    for (const uri of [
      "https://a/stem/00/006141411234567890/",
      "https://example.com/01/09506000134352/",
      "https://example.com/01/09506000134352/10/ABC/",
    ]) {
      expect(errorOf(uri)).toEqual({
        code: "trailing_slash",
        message: "a GS1 Digital Link path may not end with /",
      });
    }
    expect(parseDigitalLinkPath("/01/09506000134352/")).toMatchObject({
      ok: false,
      error: { code: "trailing_slash" },
    });
  });

  it("reads deprecated convenience alphas as their AIs", () => {
    const r = parseDigitalLink("https://a/gtin/12312312312333/ser/ABC123");
    expect(r.ok && [r.value.primaryKey, r.value.qualifiers]).toEqual([
      { ai: "01", value: "12312312312333" },
      [{ ai: "21", value: "ABC123" }],
    ]);
    const lot = parseDigitalLink("https://a/gtin/12312312312333/cpv/V/lot/L1/ser/S1");
    expect(lot.ok && lot.value.qualifiers.map((q) => q.ai)).toEqual(["22", "10", "21"]);
    const sscc = parseDigitalLink("https://a/sscc/006141411234567890");
    expect(sscc.ok && sscc.value.primaryKey).toEqual({ ai: "00", value: "006141411234567890" });
    const gln = parseDigitalLink("https://a/gln/9520123456788/glnx/32a");
    expect(gln.ok && gln.value.qualifiers).toEqual([{ ai: "254", value: "32a" }]);
    // Alphas keep the key-qualifier rules: out of order, or not a qualifier, is refused.
    expect(errorOf("https://a/gtin/12312312312333/ser/S/lot/L")?.code).toBe("bad_key_order");
    // Not in GS1's table of alphas (or only a prefix of one): no key found.
    expect(errorOf("https://a/zzz/12312312312333")?.code).toBe("missing_primary_key");
    expect(errorOf("https://a/cps/12312312312333")?.code).toBe("missing_primary_key");
  });

  it("needs a primary key with a value", () => {
    expect(errorOf("https://example.com/")?.code).toBe("missing_primary_key");
    expect(errorOf("https://example.com/products/123")?.code).toBe("missing_primary_key");
    expect(errorOf("https://example.com/10/ABC")?.code).toBe("missing_primary_key");
    expect(errorOf("https://example.com/01/09506000134352/10")).toMatchObject({
      code: "bad_syntax",
      ai: "10",
    });
    expect(errorOf("https://example.com/01/09506000134352/9999/x")).toMatchObject({
      code: "unknown_ai",
      ai: "9999",
    });
    expect(errorOf("https://example.com/01//10/ABC")).toMatchObject({
      code: "empty_value",
      ai: "01",
    });
  });
});

describe("parseDigitalLink: key qualifiers", () => {
  it("accepts every ordered subset of a dlpkey sequence", () => {
    for (const path of [
      "/22/V1",
      "/10/L",
      "/21/S",
      "/22/V1/10/L",
      "/22/V1/21/S",
      "/10/L/21/S",
      "/22/V1/10/L/21/S",
      "/235/T",
    ]) {
      expect(parseDigitalLink(`https://e.com/01/09506000134352${path}`).ok).toBe(true);
    }
    expect(parseDigitalLink("https://e.com/414/4012345000115/254/987").ok).toBe(true);
    expect(parseDigitalLink("https://e.com/8010/0950600013/8011/123").ok).toBe(true);
  });

  it("rejects qualifiers out of order", () => {
    expect(errorOf("https://e.com/01/09506000134352/21/S/10/L")).toEqual({
      code: "bad_key_order",
      ai: "10",
      expected: "/01/…/22/…/10/…/21/…",
      message: "AI (10): key qualifier out of order: expected /01/…/22/…/10/…/21/…",
    });
    expect(errorOf("https://e.com/10/L/01/09506000134352")).toMatchObject({
      code: "bad_key_order",
      ai: "10",
    });
  });

  it("rejects AIs that are not qualifiers of the key, and mixed alternatives", () => {
    expect(errorOf("https://e.com/01/09506000134352/17/261231")).toMatchObject({
      code: "bad_key_qualifier",
      ai: "17",
    });
    expect(errorOf("https://e.com/00/040123450000003338/10/L")?.code).toBe("bad_key_qualifier");
    expect(errorOf("https://e.com/01/09506000134352/10/L/235/T")?.code).toBe("bad_key_qualifier");
    expect(errorOf("https://e.com/01/09506000134352/10/L/10/M")?.code).toBe("duplicate_ai");
  });

  it("validates path values, including the check digit and GB/T 33993", () => {
    expect(errorOf("https://e.com/01/09506000134357")).toMatchObject({
      code: "bad_check_digit",
      ai: "01",
      position: 14,
      expected: "2",
      got: "7",
    });
    expect(errorOf("https://e.com/01/09506000134352/21/A%2FB")).toMatchObject({
      code: "forbidden_character",
      ai: "21",
      position: 2,
    });
    expect(
      parseDigitalLink("https://e.com/01/09506000134352/21/A%2FB", { gbt33993: false }).ok,
    ).toBe(true);
  });
});

describe("parseDigitalLink: query string", () => {
  it("separates data attributes from other parameters", () => {
    const r = parseDigitalLink(
      "https://e.com/01/09506000134352/10/ABC?17=261231&linkType=gs1:certificationInfo&3103=000500&lang=zh-CN&context=x&11=250101",
    );
    expect(r.ok && [r.value.attributes, r.value.otherParams]).toEqual([
      { "17": "261231", "3103": "000500", "11": "250101" },
      { linkType: "gs1:certificationInfo", lang: "zh-CN", context: "x" },
    ]);
  });

  it("decodes percent-escapes and + in the query", () => {
    const r = parseDigitalLink("https://e.com/01/09506000134352?linkType=gs1%3Apip&q=a+b&flag");
    expect(r.ok && r.value.otherParams).toEqual({ linkType: "gs1:pip", q: "a b", flag: "" });
  });

  it("rejects numeric parameters that are no AI or no data attribute", () => {
    expect(errorOf("https://e.com/01/09506000134352?9999=1")).toMatchObject({
      code: "unknown_ai",
      ai: "9999",
    });
    expect(errorOf("https://e.com/01/09506000134352?7040=1A2-")).toMatchObject({
      code: "not_a_data_attribute",
    });
  });

  it("rejects a key qualifier sent as a query parameter", () => {
    expect(errorOf("https://e.com/01/09506000134352?10=ABC")).toMatchObject({
      code: "qualifier_in_query",
      ai: "10",
    });
    expect(errorOf("https://e.com/01/09506000134352/21/S?10=ABC")?.code).toBe("qualifier_in_query");
  });

  it("rejects repeated AIs and bad attribute values", () => {
    expect(errorOf("https://e.com/01/09506000134352?17=261231&17=261231")?.code).toBe(
      "duplicate_ai",
    );
    expect(errorOf("https://e.com/01/09506000134352?17=261331")).toMatchObject({
      code: "bad_date",
      ai: "17",
    });
    expect(errorOf("https://e.com/01/09506000134352?17=")).toMatchObject({
      code: "empty_value",
      ai: "17",
    });
    expect(errorOf("https://e.com/01/09506000134352?3103=000500&3102=000500")?.code).toBe(
      "invalid_ai_pair",
    );
  });
});

describe("percent-encoding", () => {
  it("decodes path values and rejects broken escapes", () => {
    const r = parseDigitalLink("https://e.com/01/09506000134352/10/A%2Bb%28c%29");
    expect(r.ok && r.value.qualifiers[0]?.value).toBe("A+b(c)");
    expect(errorOf("https://e.com/01/09506000134352/10/A%2")?.code).toBe("bad_percent_encoding");
    expect(errorOf("https://e.com/01/09506000134352/10/A%ZZ")?.code).toBe("bad_percent_encoding");
    expect(errorOf("https://e.com/01/09506000134352/10/%C3%28")?.code).toBe("bad_percent_encoding");
    expect(errorOf("https://e.com/01/09506000134352/10/%E4%B8%AD")?.code).toBe("bad_character");
  });

  it("encodes everything but unreserved characters", () => {
    expect(encodeComponent(`AZaz09-._~`)).toBe("AZaz09-._~");
    expect(encodeComponent(`!"%&'()*+,/:;<=>?`)).toBe(
      "%21%22%25%26%27%28%29%2A%2B%2C%2F%3A%3B%3C%3D%3E%3F",
    );
    expect(encodeComponent("\uD800")).toBe("%EF%BF%BD");
  });
});

describe("GS1 EPCIS 2.0 example identifiers", () => {
  // From gs1/EPCIS JSON/ examples and openepcis capture documents (see /work/shared/conformance/SOURCES.md).
  it.each([
    ["https://id.gs1.org/01/70614141123451/21/2017", "01", "item"],
    ["https://id.gs1.org/01/70614141123451/10/998877", "01", "lot"],
    ["https://id.gs1.org/01/04012345666663", "01", "product"],
    ["https://id.gs1.org/01/00614141777778/10/987", "01", "lot"],
    ["https://id.gs1.org/01/04012345999884/10/2014-02-10", "01", "lot"],
    ["https://id.gs1.de/01/04012345999990/21/XYZ-1234", "01", "item"],
    ["https://example.com/01/04012345123456/21/abc234", "01", "item"],
    ["https://id.gs1.org/00/040123450000003338", "00", "sscc"],
    ["https://id.gs1.org/414/4012345000115/254/987", "414", "gln"],
    ["https://id.gs1.org/417/4000001987658", "417", "party"],
    ["https://id.gs1.org/253/40123455555541234", "253", "gdti"],
    ["https://example.org/8004/4000001111-20190402T150000000", "8004", "giai"],
    ["https://id.gs1.org/8004/401234599999", "8004", "giai"],
  ])("%s", (uri, keyAi) => {
    const r = parseDigitalLink(uri);
    expect(r.ok && r.value.primaryKey.ai).toBe(keyAi);
    if (r.ok) expect(formatDigitalLinkUri(r.value, r.value.stem)).toBe(uri);
  });
});

describe("parseDigitalLinkPath", () => {
  it("reads a bare path with a query", () => {
    expect(parseDigitalLinkPath("/01/09506000134352/10/ABC?17=261231")).toMatchObject({
      ok: true,
      value: { stem: "", qualifiers: [{ ai: "10", value: "ABC" }], attributes: { "17": "261231" } },
    });
    expect(parseDigitalLinkPath("01/09506000134352")).toMatchObject({
      ok: false,
      error: { code: "bad_syntax" },
    });
  });
});

describe("splitForDigitalLink", () => {
  it("hoists the qualifiers of the first primary key, in dlpkey order", () => {
    const r = splitForDigitalLink([
      { ai: "21", value: "S" },
      { ai: "17", value: "261231" },
      { ai: "01", value: "09506000134352" },
      { ai: "10", value: "L" },
    ]);
    expect(r).toEqual({
      ok: true,
      value: {
        primaryKey: { ai: "01", value: "09506000134352" },
        qualifiers: [
          { ai: "10", value: "L" },
          { ai: "21", value: "S" },
        ],
        attributes: { "17": "261231" },
        otherParams: {},
      },
    });
    expect(splitForDigitalLink([{ ai: "10", value: "L" }])).toMatchObject({
      ok: false,
      error: { code: "missing_primary_key" },
    });
  });
});

describe("formatting", () => {
  it("writes the path and query, encoding values, on any base URL", () => {
    const parts = {
      primaryKey: { ai: "01", value: "06901234567892" },
      qualifiers: [
        { ai: "10", value: "LOT 1" },
        { ai: "21", value: "A+(1)" },
      ],
      attributes: { "17": "261231", "7040": "1A2-" },
      otherParams: { linkType: "gs1:pip" },
    };
    expect(formatDigitalLinkUri(parts, "https://example.cn/p/")).toBe(
      "https://example.cn/p/01/06901234567892/10/LOT%201/21/A%2B%281%29?17=261231&linkType=gs1%3Apip",
    );
    expect(digitalLinkPath(parts.primaryKey)).toBe("/01/06901234567892");
  });
});
