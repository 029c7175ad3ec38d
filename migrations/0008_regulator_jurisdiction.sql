ALTER TABLE "orgs" ADD COLUMN "jurisdiction" text;--> statement-breakpoint
-- Regulators registered before jurisdictions acted everywhere; they keep doing so until a
-- national regulator narrows them (PATCH /v1/orgs/{id}/jurisdiction).
UPDATE "orgs" SET "jurisdiction" = '000000' WHERE 'regulator' = ANY("roles");
