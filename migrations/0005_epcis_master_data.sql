CREATE TABLE "epcis_vocabulary_elements" (
	"type" text NOT NULL,
	"key" text NOT NULL,
	"element_id" text NOT NULL,
	"attributes" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"child_keys" text[] DEFAULT '{}' NOT NULL,
	"children" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"owner_org_id" text NOT NULL,
	"version" integer NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "epcis_vocabulary_elements_type_key_pk" PRIMARY KEY("type","key")
);
--> statement-breakpoint
CREATE TABLE "epcis_vocabulary_history" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"key" text NOT NULL,
	"version" integer NOT NULL,
	"element_id" text NOT NULL,
	"attributes" jsonb NOT NULL,
	"children" jsonb NOT NULL,
	"org_id" text NOT NULL,
	"capture_id" text,
	"recorded_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "epcis_vocabulary_elements" ADD CONSTRAINT "epcis_vocabulary_elements_owner_org_id_orgs_id_fk" FOREIGN KEY ("owner_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "epcis_vocabulary_history" ADD CONSTRAINT "epcis_vocabulary_history_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "epcis_vocabulary_history" ADD CONSTRAINT "epcis_vocabulary_history_capture_id_epcis_capture_jobs_id_fk" FOREIGN KEY ("capture_id") REFERENCES "public"."epcis_capture_jobs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "epcis_vocabulary_elements_key_idx" ON "epcis_vocabulary_elements" USING btree ("key");--> statement-breakpoint
CREATE INDEX "epcis_vocabulary_elements_attributes_idx" ON "epcis_vocabulary_elements" USING gin ("attributes");--> statement-breakpoint
CREATE UNIQUE INDEX "epcis_vocabulary_history_version_key" ON "epcis_vocabulary_history" USING btree ("type","key","version");