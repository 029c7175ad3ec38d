// Public API of the GS1 code module: parse any scanned or typed code, validate AIs, format back.
export {
  type AiComponent,
  type AiElement,
  type AiEntry,
  aiEntry,
  aiFormat,
  checkAiPairings,
  checkGbt33993,
  type ValidateOptions,
  validateAiElements,
  validateAiValue,
} from "./ai";
export { checkCharacterPair, SKIPPED_LINTERS } from "./ai-linters";
export { AI_DICTIONARY_RELEASE, AI_TABLE } from "./ai-table.generated";
export {
  CODE_ERROR_CODES,
  type CodeError,
  type CodeErrorCode,
  type CodeResult,
} from "./code-error";
export {
  type DigitalLinkKey,
  type DigitalLinkParts,
  digitalLinkPath,
  encodeComponent,
  formatDigitalLinkUri,
  type ParsedDigitalLink,
  parseDigitalLink,
  parseDigitalLinkPath,
  qualifierSequences,
} from "./digital-link";
export {
  type CompressOptions,
  compressDigitalLink,
  compressDigitalLinkSegment,
  decompressDigitalLinkSegment,
} from "./dl-compression";
export { type DrugCodeKey, type DrugTraceCode, parseDrugCode } from "./drug-code";
export {
  formatBracketed,
  formatRaw,
  GS,
  parseBracketed,
  parseRawElementString,
  type SymbologyContent,
  type SymbologyPrefix,
  splitSymbologyId,
} from "./element-string";
export {
  appendCheckDigit,
  type Gtin14,
  gs1CheckDigit,
  isGtin14,
  isValidGtin,
  parseGtin,
} from "./gtin";
export {
  canonicalKey,
  type DrugCode,
  type ElementStringOptions,
  formatDigitalLink,
  formatElementString,
  type Gs1Code,
  type Gs1Input,
  type GtinIdentity,
  type IdentifierLevel,
  type InputForm,
  type KeyAndAttributes,
  MAX_INPUT_LENGTH,
  type ParsedCode,
  type ParseOptions,
  parseCode,
} from "./parse";
