-- The ledger partitioned by month of record time: `events` and `event_subjects` become
-- PostgreSQL declarative partitions (RANGE on record_time, one partition per UTC month, and a
-- default partition that catches a record time no month was made for). Written by hand: Drizzle
-- does not describe partitioning; the snapshot holds the same columns, keys and indexes.
--
-- A unique index on a partitioned table must contain the partition key, so the ledger-wide
-- uniqueness of the Event Hash ID, the eventID and the declaration of an event moves to
-- `event_keys`, one row per event; everything that referred to events(id) refers to it now.
CREATE TABLE "event_keys" (
	"id" bigint PRIMARY KEY NOT NULL,
	"event_id" text NOT NULL,
	"hash_id" text NOT NULL,
	"declares" bigint
);
--> statement-breakpoint
INSERT INTO "event_keys" ("id", "event_id", "hash_id", "declares")
  SELECT "id", "event_id", "hash_id", "declares" FROM "events";
--> statement-breakpoint
-- The row ids keep coming from the same sequence, now owned by event_keys (a bigserial).
ALTER SEQUENCE "events_id_seq" OWNED BY NONE;
--> statement-breakpoint
ALTER TABLE "event_keys" ALTER COLUMN "id" SET DEFAULT nextval('events_id_seq');
--> statement-breakpoint
ALTER SEQUENCE "events_id_seq" OWNED BY "event_keys"."id";
--> statement-breakpoint
CREATE UNIQUE INDEX "event_keys_event_id_key" ON "event_keys" USING btree ("event_id") WHERE "event_keys"."declares" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "event_keys_hash_id_key" ON "event_keys" USING btree ("hash_id") WHERE "event_keys"."declares" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "event_keys_declares_key" ON "event_keys" USING btree ("declares") WHERE "event_keys"."declares" is not null;--> statement-breakpoint
ALTER TABLE "complaints" DROP CONSTRAINT "complaints_event_id_events_id_fk";--> statement-breakpoint
ALTER TABLE "reviews" DROP CONSTRAINT "reviews_event_id_events_id_fk";--> statement-breakpoint
ALTER TABLE "inspections" DROP CONSTRAINT "inspections_event_id_events_id_fk";--> statement-breakpoint
ALTER TABLE "recalls" DROP CONSTRAINT "recalls_event_id_events_id_fk";--> statement-breakpoint
ALTER TABLE "recalls" DROP CONSTRAINT "recalls_closed_event_id_events_id_fk";--> statement-breakpoint
ALTER TABLE "log_leaves" DROP CONSTRAINT "log_leaves_event_id_events_id_fk";--> statement-breakpoint
ALTER TABLE "receipts" DROP CONSTRAINT "receipts_sale_event_id_events_id_fk";--> statement-breakpoint
ALTER TABLE "events" RENAME TO "events_unpartitioned";--> statement-breakpoint
ALTER TABLE "event_subjects" RENAME TO "event_subjects_unpartitioned";--> statement-breakpoint
CREATE TABLE "events" (
	"id" bigint NOT NULL,
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
	"declares" bigint,
	CONSTRAINT "events_id_record_time_pk" PRIMARY KEY("id","record_time")
) PARTITION BY RANGE ("record_time");
--> statement-breakpoint
CREATE TABLE "event_subjects" (
	"event_id" bigint NOT NULL,
	"record_time" timestamp with time zone NOT NULL,
	"subject_key" text NOT NULL,
	"level" text NOT NULL,
	"role" text DEFAULT 'epc' NOT NULL,
	"quantity" integer,
	CONSTRAINT "event_subjects_event_id_subject_key_role_record_time_pk" PRIMARY KEY("event_id","subject_key","role","record_time")
) PARTITION BY RANGE ("record_time");
--> statement-breakpoint
CREATE TABLE "events_default" PARTITION OF "events" DEFAULT;--> statement-breakpoint
CREATE TABLE "event_subjects_default" PARTITION OF "event_subjects" DEFAULT;--> statement-breakpoint
-- Makes the monthly partitions of both tables for `months` months from the month of `first`
-- (UTC), skipping a month that exists and a month whose rows already sit in the default
-- partition (PostgreSQL refuses to carve them out; they stay where they are, still found).
-- The service calls it at start and daily to keep months ahead; returns how many it made.
CREATE FUNCTION ledger_ensure_partitions(first timestamptz, months integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  lo timestamptz := date_trunc('month', first, 'UTC');
  hi timestamptz;
  part text;
  made integer := 0;
  crowded boolean;
BEGIN
  -- Nodes starting together: one makes the months, the others then find them made.
  PERFORM pg_advisory_xact_lock(7303);
  FOR i IN 1..months LOOP
    hi := ((lo AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC';
    FOREACH part IN ARRAY ARRAY['events', 'event_subjects'] LOOP
      IF to_regclass(part || to_char(lo AT TIME ZONE 'UTC', '"_y"YYYY"m"MM')) IS NULL THEN
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE record_time >= %L AND record_time < %L)',
          part || '_default', lo, hi) INTO crowded;
        IF NOT crowded THEN
          EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
            part || to_char(lo AT TIME ZONE 'UTC', '"_y"YYYY"m"MM'), part, lo, hi);
          made := made + 1;
        END IF;
      END IF;
    END LOOP;
    lo := hi;
  END LOOP;
  RETURN made;
END
$$;
--> statement-breakpoint
-- A month for every month that holds events, and this month with the next.
SELECT ledger_ensure_partitions(m, 1)
  FROM (SELECT DISTINCT date_trunc('month', "record_time", 'UTC') AS m FROM "events_unpartitioned") AS months;
--> statement-breakpoint
SELECT ledger_ensure_partitions(now(), 2);
--> statement-breakpoint
INSERT INTO "events" SELECT "id", "event_id", "hash_id", "kind", "event_type", "action", "biz_step",
  "disposition", "event_time", "record_time", "read_point", "biz_location", "actor_org_id",
  "document", "context", "meta", "declares" FROM "events_unpartitioned";
--> statement-breakpoint
INSERT INTO "event_subjects" ("event_id", "record_time", "subject_key", "level", "role", "quantity")
  SELECT s."event_id", e."record_time", s."subject_key", s."level", s."role", s."quantity"
  FROM "event_subjects_unpartitioned" s JOIN "events_unpartitioned" e ON e."id" = s."event_id";
--> statement-breakpoint
DROP TABLE "event_subjects_unpartitioned";--> statement-breakpoint
DROP TABLE "events_unpartitioned";--> statement-breakpoint
CREATE INDEX "events_hash_id_idx" ON "events" USING btree ("hash_id");--> statement-breakpoint
CREATE INDEX "events_event_id_idx" ON "events" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "events_declares_idx" ON "events" USING btree ("declares") WHERE "events"."declares" is not null;--> statement-breakpoint
CREATE INDEX "events_time_idx" ON "events" USING btree ("event_time");--> statement-breakpoint
CREATE INDEX "events_record_time_idx" ON "events" USING btree ("record_time","id");--> statement-breakpoint
CREATE INDEX "events_actor_idx" ON "events" USING btree ("actor_org_id","kind");--> statement-breakpoint
CREATE INDEX "events_biz_step_idx" ON "events" USING btree ("biz_step");--> statement-breakpoint
CREATE INDEX "event_subjects_key_idx" ON "event_subjects" USING btree ("subject_key","event_id");--> statement-breakpoint
CREATE INDEX "event_subjects_own_idx" ON "event_subjects" USING btree ("subject_key","event_id") WHERE "event_subjects"."role" <> 'context';--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_id_event_keys_id_fk" FOREIGN KEY ("id") REFERENCES "public"."event_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_actor_org_id_orgs_id_fk" FOREIGN KEY ("actor_org_id") REFERENCES "public"."orgs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_subjects" ADD CONSTRAINT "event_subjects_event_id_record_time_events_id_record_time_fk" FOREIGN KEY ("event_id","record_time") REFERENCES "public"."events"("id","record_time") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "complaints" ADD CONSTRAINT "complaints_event_id_event_keys_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."event_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_event_id_event_keys_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."event_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inspections" ADD CONSTRAINT "inspections_event_id_event_keys_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."event_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recalls" ADD CONSTRAINT "recalls_event_id_event_keys_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."event_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recalls" ADD CONSTRAINT "recalls_closed_event_id_event_keys_id_fk" FOREIGN KEY ("closed_event_id") REFERENCES "public"."event_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "log_leaves" ADD CONSTRAINT "log_leaves_event_id_event_keys_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."event_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "receipts" ADD CONSTRAINT "receipts_sale_event_id_event_keys_id_fk" FOREIGN KEY ("sale_event_id") REFERENCES "public"."event_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- The sequencer's queue is fed as before (migration 0004), now from the partitioned table.
CREATE TRIGGER events_log_pending AFTER INSERT ON "events"
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION log_pending_add();
