// Canonical keys of the traceability units, built the one way the parser builds them.
import { type DigitalLinkKey, digitalLinkPath } from "./digital-link";

export const productKey = (gtin: string): DigitalLinkKey =>
  digitalLinkPath({ ai: "01", value: gtin });
export const lotKey = (gtin: string, lot: string): DigitalLinkKey =>
  digitalLinkPath({ ai: "01", value: gtin }, [{ ai: "10", value: lot }]);
/** An item's key leaves its lot out: a serial is unique per GTIN. */
export const itemKey = (gtin: string, serial: string): DigitalLinkKey =>
  digitalLinkPath({ ai: "01", value: gtin }, [{ ai: "21", value: serial }]);
