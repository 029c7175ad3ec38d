// Every table of the service; drizzle-kit generates the migrations from this module.
export * from "./alerts";
export * from "./epcis";
export * from "./feedback";
export * from "./inspections";
export * from "./integrity";
export * from "./ledger";
export * from "./lists";
export * from "./members";
export * from "./orgs";
export * from "./products";
export * from "./scans";
export * from "./system";
