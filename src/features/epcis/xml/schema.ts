// What the EPCIS XML routes need from an XSD validator; the Node entry provides one (libxml2), Workers none.
import type { XmlProblem } from "./from-xml";

/** GS1's XSDs: the EPCIS document, query and master data schemas of EPCIS 2.0 and 1.2. */
export type XsdSchema =
  | "epcis-2.0"
  | "epcis-1.2"
  | "query-2.0"
  | "query-1.2"
  | "masterdata-2.0"
  | "masterdata-1.2";

export interface XmlRootInfo {
  ns: string;
  local: string;
  schemaVersion: string | undefined;
}

export interface XmlSchemaValidator {
  /**
   * The problems of `xml` (not well-formed, or invalid against the schema that `schemaFor`
   * picks from its root element), each with its line; none for a valid document.
   */
  validate(
    xml: string,
    schemaFor: (root: XmlRootInfo) => XsdSchema | XmlProblem,
  ): Promise<XmlProblem[]>;
}
