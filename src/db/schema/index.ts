// Every table of the service; drizzle-kit generates the migrations from this module.
export * from "./system";
