// A small namespace-aware element tree of an XML document (saxes), the input of the EPCIS XML mapping.
import { SaxesParser, type SaxesTagNS } from "saxes";

export const XSI_NS = "http://www.w3.org/2001/XMLSchema-instance";
export const XML_NS = "http://www.w3.org/XML/1998/namespace";

export interface XmlAttr {
  /** Namespace URI ("" when unqualified). */
  ns: string;
  local: string;
  prefix: string;
  value: string;
}

export interface XmlElement {
  ns: string;
  local: string;
  prefix: string;
  attrs: XmlAttr[];
  children: XmlElement[];
  /** The element's own character data (CDATA included), untrimmed. */
  text: string;
  line: number;
  /** Prefix → namespace bindings in scope at this element (for QName values such as xsi:type). */
  scope: Record<string, string>;
}

export class XmlSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/** Parses a whole document into elements; comments and processing instructions are dropped. */
export function parseXmlTree(text: string): XmlElement {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  let failure: XmlSyntaxError | null = null;
  parser.on("error", (error) => {
    failure ??= new XmlSyntaxError(error.message.replace(/^[^:]*:\d+:\d+: /, ""), parser.line);
  });
  parser.on("doctype", (doctype) => {
    // An internal subset could declare entities: refused, as no EPCIS document needs one.
    if (doctype.includes("[")) {
      failure ??= new XmlSyntaxError(
        "a DOCTYPE with an internal subset is not accepted",
        parser.line,
      );
    }
  });
  parser.on("opentag", (tag: SaxesTagNS) => {
    const parent = stack[stack.length - 1];
    const scope = { ...(parent?.scope ?? {}), ...tag.ns };
    const attrs: XmlAttr[] = [];
    for (const a of Object.values(tag.attributes)) {
      if (a.prefix === "xmlns" || a.name === "xmlns") continue;
      attrs.push({ ns: a.uri, local: a.local, prefix: a.prefix, value: a.value });
    }
    const element: XmlElement = {
      ns: tag.uri,
      local: tag.local,
      prefix: tag.prefix,
      attrs,
      children: [],
      text: "",
      line: parser.line,
      scope,
    };
    if (parent) parent.children.push(element);
    else root = element;
    stack.push(element);
  });
  const addText = (text: string) => {
    const current = stack[stack.length - 1];
    if (current) current.text += text;
  };
  parser.on("text", addText);
  parser.on("cdata", addText);
  parser.on("closetag", () => {
    stack.pop();
  });
  parser.write(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).close();
  if (failure) throw failure;
  if (!root) throw new XmlSyntaxError("the document has no root element", 1);
  return root;
}

export const attr = (element: XmlElement, local: string, ns = ""): string | undefined =>
  element.attrs.find((a) => a.local === local && a.ns === ns)?.value;

/** Children in no namespace with this local name (the EPCIS schemas' elements are unqualified). */
export const childrenNamed = (element: XmlElement, local: string): XmlElement[] =>
  element.children.filter((c) => c.ns === "" && c.local === local);

export const childNamed = (element: XmlElement, local: string): XmlElement | undefined =>
  element.children.find((c) => c.ns === "" && c.local === local);

export const textOf = (element: XmlElement | undefined): string | undefined =>
  element === undefined ? undefined : element.text.trim();
