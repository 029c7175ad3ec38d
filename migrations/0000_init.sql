CREATE TABLE "alerts" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"severity" text NOT NULL,
	"subject_key" text NOT NULL,
	"org_id" text,
	"evidence" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"dedupe_key" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"assigned_to_org_id" text,
	"assigned_at" timestamp with time zone,
	"decision_reason" text,
	"decided_by_org_id" text,
	"decided_at" timestamp with time zone,
	"response" text,
	"responded_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "epcis_capture_jobs" (
	"id" text PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"behaviour" text NOT NULL,
	"captured_by_org_id" text NOT NULL,
	"event_count" integer NOT NULL,
	"captured_count" integer DEFAULT 0 NOT NULL,
	"duplicate_count" integer DEFAULT 0 NOT NULL,
	"errors" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "epcis_queries" (
	"name" text PRIMARY KEY NOT NULL,
	"query" jsonb NOT NULL,
	"owner_org_id" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "epcis_subscriptions" (
	"id" text PRIMARY KEY NOT NULL,
	"query_name" text NOT NULL,
	"owner_org_id" text NOT NULL,
	"dest" text NOT NULL,
	"signature_token" text,
	"epc_format" text DEFAULT 'Always_GS1_Digital_Link' NOT NULL,
	"initial_record_time" timestamp with time zone NOT NULL,
	"cursor" bigint DEFAULT 0 NOT NULL,
	"last_notified_at" timestamp with time zone,
	"failures" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "complaints" (
	"id" text PRIMARY KEY NOT NULL,
	"receipt_id" text,
	"item_key" text,
	"gtin" text,
	"seller_org_id" text,
	"category" text NOT NULL,
	"text" text NOT NULL,
	"contact" text,
	"commitment_id" text,
	"status" text DEFAULT 'open' NOT NULL,
	"seller_answer" text,
	"answered_at" timestamp with time zone,
	"decision_reason" text,
	"decided_by_org_id" text,
	"decided_at" timestamp with time zone,
	"event_id" bigint,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reviews" (
	"id" text PRIMARY KEY NOT NULL,
	"receipt_id" text NOT NULL,
	"kind" text NOT NULL,
	"item_id" bigint NOT NULL,
	"gtin" text NOT NULL,
	"seller_org_id" text NOT NULL,
	"rating" integer,
	"text" text NOT NULL,
	"event_id" bigint,
	"created_at" timestamp with time zone NOT NULL,
	"seller_reply" text,
	"seller_replied_at" timestamp with time zone,
	"hidden" boolean DEFAULT false NOT NULL,
	"hidden_reason" text,
	"hidden_by_org_id" text,
	"hidden_at" timestamp with time zone,
	CONSTRAINT "reviews_rating_range" CHECK ("reviews"."rating" is null or "reviews"."rating" between 1 and 5)
);
--> statement-breakpoint
CREATE TABLE "documents" (
	"sha256" text PRIMARY KEY NOT NULL,
	"content_type" text NOT NULL,
	"size" integer NOT NULL,
	"data" "bytea" NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "inspections" (
	"id" text PRIMARY KEY NOT NULL,
	"lot_id" text NOT NULL,
	"gtin" text NOT NULL,
	"lot" text NOT NULL,
	"inspector_org_id" text NOT NULL,
	"report_number" text NOT NULL,
	"standards" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"test_items" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"sampling_date" date,
	"issue_date" date NOT NULL,
	"conclusion" text NOT NULL,
	"pdf_sha256" text,
	"event_id" bigint,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "recalls" (
	"id" text PRIMARY KEY NOT NULL,
	"gtin" text NOT NULL,
	"lot_ids" jsonb NOT NULL,
	"whole_product" boolean DEFAULT false NOT NULL,
	"level" text NOT NULL,
	"reason" text NOT NULL,
	"instructions" text NOT NULL,
	"contacts" text NOT NULL,
	"initiated_by_org_id" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"closed_reason" text,
	"close_outcome" text,
	"closed_by_org_id" text,
	"closed_at" timestamp with time zone,
	"event_id" bigint,
	"closed_event_id" bigint,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "integrity_settings" (
	"name" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"updated_by_org_id" text
);
--> statement-breakpoint
CREATE TABLE "list_repairs" (
	"id" text PRIMARY KEY NOT NULL,
	"entry_id" text NOT NULL,
	"org_id" text NOT NULL,
	"statement" text NOT NULL,
	"proof" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"requested_at" timestamp with time zone NOT NULL,
	"decision_reason" text,
	"decided_by_org_id" text,
	"decided_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "checkpoints" (
	"tree_size" bigint PRIMARY KEY NOT NULL,
	"root_hash" text NOT NULL,
	"timestamp" timestamp with time zone NOT NULL,
	"origin" text NOT NULL,
	"key_id" text NOT NULL,
	"signature" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "event_subjects" (
	"event_id" bigint NOT NULL,
	"subject_key" text NOT NULL,
	"level" text NOT NULL,
	"role" text DEFAULT 'epc' NOT NULL,
	"quantity" integer,
	CONSTRAINT "event_subjects_event_id_subject_key_role_pk" PRIMARY KEY("event_id","subject_key","role")
);
--> statement-breakpoint
CREATE TABLE "events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"event_id" text NOT NULL,
	"hash_id" text NOT NULL,
	"kind" text NOT NULL,
	"event_type" text NOT NULL,
	"action" text,
	"biz_step" text,
	"disposition" text,
	"event_time" timestamp with time zone NOT NULL,
	"record_time" timestamp with time zone NOT NULL,
	"read_point" text,
	"biz_location" text,
	"actor_org_id" text,
	"document" jsonb NOT NULL,
	"context" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"meta" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"declares" bigint
);
--> statement-breakpoint
CREATE TABLE "log_leaves" (
	"leaf_index" bigint PRIMARY KEY NOT NULL,
	"event_id" bigint NOT NULL,
	"leaf_hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "receipts" (
	"id" text PRIMARY KEY NOT NULL,
	"code_hash" text NOT NULL,
	"item_id" bigint NOT NULL,
	"sale_event_id" bigint NOT NULL,
	"seller_org_id" text NOT NULL,
	"buyer_ref" text,
	"created_at" timestamp with time zone NOT NULL,
	"confirmed_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"failed_attempts" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "list_entries" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"list" text NOT NULL,
	"reason" text NOT NULL,
	"legal_basis" text NOT NULL,
	"authority" text NOT NULL,
	"severity" text NOT NULL,
	"listed_on" date NOT NULL,
	"min_publish_until" date NOT NULL,
	"max_publish_until" date NOT NULL,
	"decided_by_org_id" text NOT NULL,
	"appeal" text,
	"removed_at" timestamp with time zone,
	"removal_reason" text,
	"removed_by_org_id" text,
	"removal_authority" text,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"hash" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	"last_used_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "commitments" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"version" integer NOT NULL,
	"body" jsonb NOT NULL,
	"published_at" timestamp with time zone NOT NULL,
	"current" boolean DEFAULT true NOT NULL
);
--> statement-breakpoint
CREATE TABLE "org_status_history" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"from_status" text,
	"to_status" text NOT NULL,
	"reason" text NOT NULL,
	"actor_org_id" text,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "orgs" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"uscc" text,
	"person_id_hash" text,
	"person_id_last4" text,
	"name_zh" text NOT NULL,
	"name_en" text,
	"roles" text[] NOT NULL,
	"region_code" text NOT NULL,
	"address" text,
	"contact_phone" text,
	"contact_email" text,
	"licences" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"status" text NOT NULL,
	"status_reason" text,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "items" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"gtin" text NOT NULL,
	"serial" text NOT NULL,
	"lot_id" text NOT NULL,
	"state" text NOT NULL,
	"recalled" boolean DEFAULT false NOT NULL,
	"custodian_org_id" text,
	"seller_org_id" text,
	"commissioned_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "lots" (
	"id" text PRIMARY KEY NOT NULL,
	"gtin" text NOT NULL,
	"lot" text NOT NULL,
	"production_date" date,
	"expiry_date" date,
	"quantity" integer,
	"origin_region" text,
	"origin_place" text,
	"latitude" double precision,
	"longitude" double precision,
	"master_data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"non_conforming" boolean DEFAULT false NOT NULL,
	"recalled" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "products" (
	"gtin" text PRIMARY KEY NOT NULL,
	"owner_org_id" text NOT NULL,
	"name_zh" text NOT NULL,
	"name_en" text,
	"category" text NOT NULL,
	"specification" text,
	"net_weight_grams" integer,
	"licences" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"shelf_life_days" integer,
	"image_url" text,
	"origin_region" text,
	"origin_place" text,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "receipt_attempts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"item_id" bigint NOT NULL,
	"fingerprint" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "scans" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"gtin" text NOT NULL,
	"serial" text NOT NULL,
	"item_id" bigint,
	"item_state" text,
	"fingerprint" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"latitude" double precision,
	"longitude" double precision
);
--> statement-breakpoint
CREATE TABLE "service_secrets" (
	"name" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_assigned_to_org_id_orgs_id_fk" FOREIGN KEY ("assigned_to_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_decided_by_org_id_orgs_id_fk" FOREIGN KEY ("decided_by_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "epcis_capture_jobs" ADD CONSTRAINT "epcis_capture_jobs_captured_by_org_id_orgs_id_fk" FOREIGN KEY ("captured_by_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "epcis_queries" ADD CONSTRAINT "epcis_queries_owner_org_id_orgs_id_fk" FOREIGN KEY ("owner_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "epcis_subscriptions" ADD CONSTRAINT "epcis_subscriptions_query_name_epcis_queries_name_fk" FOREIGN KEY ("query_name") REFERENCES "public"."epcis_queries"("name") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "epcis_subscriptions" ADD CONSTRAINT "epcis_subscriptions_owner_org_id_orgs_id_fk" FOREIGN KEY ("owner_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "complaints" ADD CONSTRAINT "complaints_receipt_id_receipts_id_fk" FOREIGN KEY ("receipt_id") REFERENCES "public"."receipts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "complaints" ADD CONSTRAINT "complaints_seller_org_id_orgs_id_fk" FOREIGN KEY ("seller_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "complaints" ADD CONSTRAINT "complaints_commitment_id_commitments_id_fk" FOREIGN KEY ("commitment_id") REFERENCES "public"."commitments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "complaints" ADD CONSTRAINT "complaints_decided_by_org_id_orgs_id_fk" FOREIGN KEY ("decided_by_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "complaints" ADD CONSTRAINT "complaints_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_receipt_id_receipts_id_fk" FOREIGN KEY ("receipt_id") REFERENCES "public"."receipts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_seller_org_id_orgs_id_fk" FOREIGN KEY ("seller_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_hidden_by_org_id_orgs_id_fk" FOREIGN KEY ("hidden_by_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inspections" ADD CONSTRAINT "inspections_lot_id_lots_id_fk" FOREIGN KEY ("lot_id") REFERENCES "public"."lots"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inspections" ADD CONSTRAINT "inspections_inspector_org_id_orgs_id_fk" FOREIGN KEY ("inspector_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inspections" ADD CONSTRAINT "inspections_pdf_sha256_documents_sha256_fk" FOREIGN KEY ("pdf_sha256") REFERENCES "public"."documents"("sha256") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inspections" ADD CONSTRAINT "inspections_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recalls" ADD CONSTRAINT "recalls_gtin_products_gtin_fk" FOREIGN KEY ("gtin") REFERENCES "public"."products"("gtin") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recalls" ADD CONSTRAINT "recalls_initiated_by_org_id_orgs_id_fk" FOREIGN KEY ("initiated_by_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recalls" ADD CONSTRAINT "recalls_closed_by_org_id_orgs_id_fk" FOREIGN KEY ("closed_by_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recalls" ADD CONSTRAINT "recalls_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recalls" ADD CONSTRAINT "recalls_closed_event_id_events_id_fk" FOREIGN KEY ("closed_event_id") REFERENCES "public"."events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "integrity_settings" ADD CONSTRAINT "integrity_settings_updated_by_org_id_orgs_id_fk" FOREIGN KEY ("updated_by_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "list_repairs" ADD CONSTRAINT "list_repairs_entry_id_list_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "public"."list_entries"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "list_repairs" ADD CONSTRAINT "list_repairs_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "list_repairs" ADD CONSTRAINT "list_repairs_decided_by_org_id_orgs_id_fk" FOREIGN KEY ("decided_by_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_subjects" ADD CONSTRAINT "event_subjects_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_actor_org_id_orgs_id_fk" FOREIGN KEY ("actor_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "log_leaves" ADD CONSTRAINT "log_leaves_event_id_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "receipts" ADD CONSTRAINT "receipts_sale_event_id_events_id_fk" FOREIGN KEY ("sale_event_id") REFERENCES "public"."events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "receipts" ADD CONSTRAINT "receipts_seller_org_id_orgs_id_fk" FOREIGN KEY ("seller_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "list_entries" ADD CONSTRAINT "list_entries_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "list_entries" ADD CONSTRAINT "list_entries_decided_by_org_id_orgs_id_fk" FOREIGN KEY ("decided_by_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "list_entries" ADD CONSTRAINT "list_entries_removed_by_org_id_orgs_id_fk" FOREIGN KEY ("removed_by_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "commitments" ADD CONSTRAINT "commitments_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "org_status_history" ADD CONSTRAINT "org_status_history_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "org_status_history" ADD CONSTRAINT "org_status_history_actor_org_id_orgs_id_fk" FOREIGN KEY ("actor_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "items" ADD CONSTRAINT "items_gtin_products_gtin_fk" FOREIGN KEY ("gtin") REFERENCES "public"."products"("gtin") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "items" ADD CONSTRAINT "items_lot_id_lots_id_fk" FOREIGN KEY ("lot_id") REFERENCES "public"."lots"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "items" ADD CONSTRAINT "items_custodian_org_id_orgs_id_fk" FOREIGN KEY ("custodian_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "items" ADD CONSTRAINT "items_seller_org_id_orgs_id_fk" FOREIGN KEY ("seller_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lots" ADD CONSTRAINT "lots_gtin_products_gtin_fk" FOREIGN KEY ("gtin") REFERENCES "public"."products"("gtin") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "products" ADD CONSTRAINT "products_owner_org_id_orgs_id_fk" FOREIGN KEY ("owner_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_dedupe_key" ON "alerts" USING btree ("dedupe_key");--> statement-breakpoint
CREATE INDEX "alerts_queue_idx" ON "alerts" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "alerts_org_idx" ON "alerts" USING btree ("org_id","status");--> statement-breakpoint
CREATE INDEX "alerts_open_kind_idx" ON "alerts" USING btree ("kind") WHERE "alerts"."status" = 'open';--> statement-breakpoint
CREATE INDEX "epcis_capture_jobs_org_idx" ON "epcis_capture_jobs" USING btree ("captured_by_org_id","created_at");--> statement-breakpoint
CREATE INDEX "epcis_subscriptions_query_idx" ON "epcis_subscriptions" USING btree ("query_name");--> statement-breakpoint
CREATE INDEX "complaints_seller_idx" ON "complaints" USING btree ("seller_org_id","status");--> statement-breakpoint
CREATE INDEX "complaints_created_idx" ON "complaints" USING btree ("created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "reviews_receipt_kind_key" ON "reviews" USING btree ("receipt_id","kind");--> statement-breakpoint
CREATE INDEX "reviews_seller_idx" ON "reviews" USING btree ("seller_org_id","created_at");--> statement-breakpoint
CREATE INDEX "reviews_gtin_idx" ON "reviews" USING btree ("gtin","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "inspections_report_key" ON "inspections" USING btree ("inspector_org_id","report_number");--> statement-breakpoint
CREATE INDEX "inspections_lot_idx" ON "inspections" USING btree ("lot_id","issue_date");--> statement-breakpoint
CREATE INDEX "recalls_gtin_idx" ON "recalls" USING btree ("gtin","status");--> statement-breakpoint
CREATE INDEX "list_repairs_entry_idx" ON "list_repairs" USING btree ("entry_id","requested_at");--> statement-breakpoint
CREATE UNIQUE INDEX "list_repairs_one_pending" ON "list_repairs" USING btree ("entry_id") WHERE "list_repairs"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "list_repairs_status_idx" ON "list_repairs" USING btree ("status","requested_at");--> statement-breakpoint
CREATE INDEX "event_subjects_key_idx" ON "event_subjects" USING btree ("subject_key","event_id");--> statement-breakpoint
CREATE UNIQUE INDEX "events_event_id_key" ON "events" USING btree ("event_id") WHERE "events"."declares" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "events_hash_id_key" ON "events" USING btree ("hash_id") WHERE "events"."declares" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "events_declares_key" ON "events" USING btree ("declares") WHERE "events"."declares" is not null;--> statement-breakpoint
CREATE INDEX "events_hash_id_idx" ON "events" USING btree ("hash_id");--> statement-breakpoint
CREATE INDEX "events_event_id_idx" ON "events" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "events_time_idx" ON "events" USING btree ("event_time");--> statement-breakpoint
CREATE INDEX "events_record_time_idx" ON "events" USING btree ("record_time","id");--> statement-breakpoint
CREATE INDEX "events_actor_idx" ON "events" USING btree ("actor_org_id","kind");--> statement-breakpoint
CREATE INDEX "events_biz_step_idx" ON "events" USING btree ("biz_step");--> statement-breakpoint
CREATE UNIQUE INDEX "log_leaves_event_key" ON "log_leaves" USING btree ("event_id");--> statement-breakpoint
CREATE UNIQUE INDEX "receipts_code_hash_key" ON "receipts" USING btree ("code_hash");--> statement-breakpoint
CREATE INDEX "receipts_item_idx" ON "receipts" USING btree ("item_id");--> statement-breakpoint
CREATE INDEX "receipts_seller_buyer_idx" ON "receipts" USING btree ("seller_org_id","buyer_ref","created_at");--> statement-breakpoint
CREATE INDEX "list_entries_org_idx" ON "list_entries" USING btree ("org_id","list");--> statement-breakpoint
CREATE INDEX "list_entries_published_idx" ON "list_entries" USING btree ("list","max_publish_until");--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_hash_key" ON "api_keys" USING btree ("hash");--> statement-breakpoint
CREATE INDEX "api_keys_org_idx" ON "api_keys" USING btree ("org_id");--> statement-breakpoint
CREATE UNIQUE INDEX "commitments_org_version_key" ON "commitments" USING btree ("org_id","version");--> statement-breakpoint
CREATE UNIQUE INDEX "commitments_one_current" ON "commitments" USING btree ("org_id") WHERE "commitments"."current";--> statement-breakpoint
CREATE INDEX "org_status_history_org_idx" ON "org_status_history" USING btree ("org_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "orgs_uscc_key" ON "orgs" USING btree ("uscc");--> statement-breakpoint
CREATE UNIQUE INDEX "orgs_person_id_hash_key" ON "orgs" USING btree ("person_id_hash");--> statement-breakpoint
CREATE INDEX "orgs_region_idx" ON "orgs" USING btree ("region_code");--> statement-breakpoint
CREATE UNIQUE INDEX "items_gtin_serial_key" ON "items" USING btree ("gtin","serial");--> statement-breakpoint
CREATE INDEX "items_lot_idx" ON "items" USING btree ("lot_id","state");--> statement-breakpoint
CREATE INDEX "items_lot_order_idx" ON "items" USING btree ("lot_id","id");--> statement-breakpoint
CREATE INDEX "items_custodian_idx" ON "items" USING btree ("custodian_org_id");--> statement-breakpoint
CREATE UNIQUE INDEX "lots_gtin_lot_key" ON "lots" USING btree ("gtin","lot");--> statement-breakpoint
CREATE INDEX "products_owner_idx" ON "products" USING btree ("owner_org_id");--> statement-breakpoint
CREATE INDEX "products_category_idx" ON "products" USING btree ("category","created_at");--> statement-breakpoint
CREATE INDEX "receipt_attempts_item_idx" ON "receipt_attempts" USING btree ("item_id","at");--> statement-breakpoint
CREATE INDEX "receipt_attempts_client_idx" ON "receipt_attempts" USING btree ("fingerprint","at");--> statement-breakpoint
CREATE INDEX "scans_item_idx" ON "scans" USING btree ("item_id","at");--> statement-breakpoint
CREATE INDEX "scans_unknown_gtin_idx" ON "scans" USING btree ("gtin","at") WHERE "scans"."item_id" is null;--> statement-breakpoint
CREATE INDEX "scans_fingerprint_idx" ON "scans" USING btree ("fingerprint","at");