// XSD validation with libxml2 (WebAssembly, in process) against GS1's schemas in ./xsd: Node only.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { XmlProblem } from "./from-xml";
import type { XmlRootInfo, XmlSchemaValidator, XsdSchema } from "./schema";

const XSD_DIR = fileURLToPath(new URL("../xsd/", import.meta.url));

const ENTRY: Record<XsdSchema, string> = {
  "epcis-2.0": "2.0/EPCglobal-epcis-2_0.xsd",
  "epcis-1.2": "1.2/EPCglobal-epcis-1_2.xsd",
  "query-2.0": "2.0/EPCglobal-epcis-query-2_0.xsd",
  "query-1.2": "1.2/EPCglobal-epcis-query-1_2.xsd",
  "masterdata-2.0": "2.0/EPCglobal-epcis-masterdata-2_0.xsd",
  "masterdata-1.2": "1.2/EPCglobal-epcis-masterdata-1_2.xsd",
};

type Libxml2 = typeof import("libxml2-wasm");
type Validator = InstanceType<Libxml2["XsdValidator"]>;

// The schemas' includes and imports are read from memory under this made-up root, never from disk
// or the network: a document cannot make the validator open a file.
const ROOT = "zhuisu-xsd/";

let loaded: Promise<{ lib: Libxml2; validators: Map<XsdSchema, Validator> }> | undefined;

function load() {
  loaded ??= (async () => {
    const lib = await import("libxml2-wasm");
    const files: Record<string, Uint8Array> = {};
    for (const version of ["2.0", "1.2"]) {
      for (const name of readdirSync(`${XSD_DIR}${version}`)) {
        if (name.endsWith(".xsd")) {
          files[`${ROOT}${version}/${name}`] = new Uint8Array(
            readFileSync(`${XSD_DIR}${version}/${name}`),
          );
        }
      }
    }
    lib.xmlRegisterInputProvider(new lib.XmlBufferInputProvider(files));
    return { lib, validators: new Map<XsdSchema, Validator>() };
  })();
  return loaded;
}

function validatorFor(lib: Libxml2, cache: Map<XsdSchema, Validator>, schema: XsdSchema) {
  let validator = cache.get(schema);
  if (!validator) {
    const url = `${ROOT}${ENTRY[schema]}`;
    const xsd = lib.XmlDocument.fromBuffer(
      new Uint8Array(readFileSync(`${XSD_DIR}${ENTRY[schema]}`)),
      {
        url,
      },
    );
    validator = lib.XsdValidator.fromDoc(xsd);
    cache.set(schema, validator);
  }
  return validator;
}

const problemsOf = (error: unknown): XmlProblem[] => {
  const details = (error as { details?: { message: string; line?: number }[] }).details ?? [];
  if (details.length === 0)
    return [{ line: 1, message: String((error as Error).message ?? error) }];
  return details.map((d) => ({
    line: d.line ?? 1,
    message: d.message.trim().replace(/\s+/g, " "),
  }));
};

export const libxml2Validator: XmlSchemaValidator = {
  async validate(xml, schemaFor) {
    const { lib, validators } = await load();
    let doc: InstanceType<Libxml2["XmlDocument"]>;
    try {
      doc = lib.XmlDocument.fromString(xml, { url: "document.xml" });
    } catch (error) {
      return problemsOf(error);
    }
    try {
      const root = doc.root;
      const info: XmlRootInfo = {
        ns: root.namespaceUri,
        local: root.name.includes(":") ? root.name.slice(root.name.indexOf(":") + 1) : root.name,
        schemaVersion: root.attr("schemaVersion")?.value,
      };
      const schema = schemaFor(info);
      if (typeof schema !== "string") return [schema];
      try {
        validatorFor(lib, validators, schema).validate(doc);
        return [];
      } catch (error) {
        return problemsOf(error);
      }
    } finally {
      doc.dispose();
    }
  },
};
