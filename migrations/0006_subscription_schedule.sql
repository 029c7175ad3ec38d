ALTER TABLE "epcis_subscriptions" ADD COLUMN "schedule" jsonb;--> statement-breakpoint
ALTER TABLE "epcis_subscriptions" ADD COLUMN "report_if_empty" boolean DEFAULT false NOT NULL;