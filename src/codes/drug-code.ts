// China's 20-digit drug traceability code (药品追溯码, NMPAB/T 1002-2019): shape check, own key kind.
import { type CodeResult, codeError, err, ok, showChar } from "./code-error";

/**
 * The key of one drug sales package. Not a GS1 key: the code has no GS1 structure, so it is keyed
 * by itself. `productPrefix` (the first 7 digits) identifies the drug product.
 */
export interface DrugCodeKey {
  readonly kind: "drug-code";
  readonly code: string;
  readonly productPrefix: string;
}

export interface DrugTraceCode extends DrugCodeKey {
  /** Legacy codes (from the former 中国药品电子监管码) start with 8. */
  readonly legacy: boolean;
}

export const DRUG_CODE_LENGTH = 20;
const PRODUCT_PREFIX_LENGTH = 7;

/**
 * Checks the shape only: 20 digits. The trailing check digits use an algorithm NMPA has not
 * published, so a code with a wrong check cannot be told apart here; that is the code issuer's job.
 */
export function parseDrugCode(input: string): CodeResult<DrugTraceCode> {
  const bad = input.search(/\D/);
  if (bad >= 0) {
    return err(
      codeError("bad_character", "drug traceability code: not a digit", {
        position: bad + 1,
        expected: "a digit",
        got: showChar(input.charAt(bad)),
      }),
    );
  }
  if (input.length !== DRUG_CODE_LENGTH) {
    return err(
      codeError("bad_length", "drug traceability code: wrong number of digits", {
        expected: `${DRUG_CODE_LENGTH} digits`,
        got: String(input.length),
      }),
    );
  }
  return ok({
    kind: "drug-code",
    code: input,
    productPrefix: input.slice(0, PRODUCT_PREFIX_LENGTH),
    legacy: input.startsWith("8"),
  });
}
