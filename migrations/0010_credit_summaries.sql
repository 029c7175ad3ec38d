CREATE TABLE "credit_summaries" (
	"org_id" text PRIMARY KEY NOT NULL,
	"score" double precision,
	"grade" text,
	"computed_at" timestamp with time zone,
	"dirty_seq" bigint DEFAULT 1 NOT NULL,
	"clean_seq" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "credit_summaries" ADD CONSTRAINT "credit_summaries_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;