// Reading an EPCIS XML body: XSD validation (the version its root element names), then the JSON-LD mapping.
import { AppError } from "../../../lib/errors";
import { EPCIS_EXCEPTION } from "../capture";
import type { JsonObject } from "../validate";
import {
  documentTypeOf,
  EVENT_ELEMENTS,
  type XmlDocumentType,
  XmlMappingError,
  type XmlProblem,
  xmlToJsonDocument,
  xmlToJsonEvent,
} from "./from-xml";
import type { XmlRootInfo, XmlSchemaValidator, XsdSchema } from "./schema";
import { parseXmlTree, XmlSyntaxError } from "./tree";

const SCHEMA: Record<XmlDocumentType["kind"], "epcis" | "query" | "masterdata"> = {
  EPCISDocument: "epcis",
  EPCISQueryDocument: "query",
  EPCISMasterDataDocument: "masterdata",
};

/** Problems shown (the first ones say what is wrong; a broken document can have thousands). */
const MAX_PROBLEMS = 100;

function refused(what: string, problems: XmlProblem[]): AppError {
  const first = problems[0] ?? { line: 1, message: "invalid" };
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : "";
  return new AppError(
    "epcis_validation",
    `the XML ${what} was refused whole, nothing was stored: line ${first.line}: ${first.message}${more}`,
    {
      epcisException: EPCIS_EXCEPTION.validation,
      errors: problems
        .slice(0, MAX_PROBLEMS)
        .map((p) => ({ path: `line ${p.line}`, message: p.message, code: "xsd" })),
    },
  );
}

export function xmlUnavailable(): AppError {
  return new AppError(
    "not_implemented",
    "EPCIS XML is validated against GS1's XSDs with libxml2, which this runtime (Cloudflare Workers) cannot run: send the document as JSON-LD here, or XML to the Node service",
    { epcisException: EPCIS_EXCEPTION.implementation },
  );
}

const typeFromRoot = (root: XmlRootInfo) =>
  documentTypeOf({
    ns: root.ns,
    local: root.local,
    prefix: "",
    attrs:
      root.schemaVersion === undefined
        ? []
        : [{ ns: "", local: "schemaVersion", prefix: "", value: root.schemaVersion }],
    children: [],
    text: "",
    line: 1,
    scope: {},
  });

/** A capture document (EPCISDocument, EPCISQueryDocument or EPCISMasterDataDocument, 2.0 or 1.2) as JSON-LD. */
export async function readXmlDocument(
  text: string,
  validator: XmlSchemaValidator | undefined,
): Promise<JsonObject> {
  if (!validator) throw xmlUnavailable();
  const problems = await validator.validate(text, (root) => {
    const type = typeFromRoot(root);
    if ("problem" in type) return { line: 1, message: type.problem };
    return `${SCHEMA[type.kind]}-${type.version}` as XsdSchema;
  });
  if (problems.length > 0) throw refused("document", problems);
  try {
    const tree = parseXmlTree(text);
    const type = documentTypeOf(tree);
    if ("problem" in type) throw refused("document", [{ line: tree.line, message: type.problem }]);
    return xmlToJsonDocument(tree, type);
  } catch (error) {
    if (error instanceof XmlMappingError) throw refused("document", error.problems);
    if (error instanceof XmlSyntaxError)
      throw refused("document", [{ line: error.line, message: error.message }]);
    throw error;
  }
}

const XML_DECLARATION = /^\uFEFF?\s*<\?xml[^?]*\?>/;

/**
 * One event sent alone (`<ObjectEvent>…</ObjectEvent>`, EPCIS 2.0) as JSON-LD. It is validated
 * inside an EPCISDocument written around it on its own lines, so the lines reported are the
 * event's own.
 */
export async function readXmlEvent(
  text: string,
  validator: XmlSchemaValidator | undefined,
): Promise<JsonObject> {
  if (!validator) throw xmlUnavailable();
  let tree: ReturnType<typeof parseXmlTree>;
  try {
    tree = parseXmlTree(text);
  } catch (error) {
    if (error instanceof XmlSyntaxError)
      throw refused("event", [{ line: error.line, message: error.message }]);
    throw error;
  }
  if (tree.ns !== "" || !EVENT_ELEMENTS.has(tree.local)) {
    throw refused("event", [
      {
        line: tree.line,
        message: `the body must be one EPCIS 2.0 event element (ObjectEvent, AggregationEvent, TransactionEvent, TransformationEvent or AssociationEvent, in no namespace); got ${tree.ns ? `{${tree.ns}}` : ""}${tree.local}`,
      },
    ]);
  }
  // The declaration's own line breaks are kept, so every line of the event keeps its number.
  const body = text.replace(XML_DECLARATION, (declaration) => declaration.replace(/[^\n]/g, ""));
  const wrapped = `<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0" creationDate="2000-01-01T00:00:00Z"><EPCISBody><EventList>${body}</EventList></EPCISBody></epcis:EPCISDocument>`;
  const problems = await validator.validate(wrapped, () => "epcis-2.0");
  if (problems.length > 0) throw refused("event", problems);
  try {
    return xmlToJsonEvent(tree);
  } catch (error) {
    if (error instanceof XmlMappingError) throw refused("event", error.problems);
    throw error;
  }
}
