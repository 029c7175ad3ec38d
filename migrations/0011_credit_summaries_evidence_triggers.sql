-- Evidence of credit marks its organisation's stored summary stale, whichever writer wrote it.
-- Statement triggers with transition tables: a statement that writes many rows raises each
-- organisation once, in org id order so that two such statements cannot deadlock. Deletes are
-- covered too: the service never deletes evidence, but an operator's hand might.
-- Receipts have no trigger on purpose: it would make one seller's concurrent sales queue on one
-- row; the buyer count they feed is picked up by the daily recomputation.
CREATE FUNCTION credit_mark_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- TG_ARGV[0] names the column of the changed rows that holds the organisation.
  EXECUTE format(
    'INSERT INTO credit_summaries (org_id)
       SELECT DISTINCT %1$I FROM changed WHERE %1$I IS NOT NULL ORDER BY 1
     ON CONFLICT (org_id) DO UPDATE SET dirty_seq = credit_summaries.dirty_seq + 1',
    TG_ARGV[0]);
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- An inspection counts for the brand owner of the product inspected.
CREATE FUNCTION credit_mark_stale_inspection() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO credit_summaries (org_id)
    SELECT DISTINCT p.owner_org_id FROM changed i JOIN products p ON p.gtin = i.gtin ORDER BY 1
  ON CONFLICT (org_id) DO UPDATE SET dirty_seq = credit_summaries.dirty_seq + 1;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER reviews_credit_insert AFTER INSERT ON reviews
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION credit_mark_stale('seller_org_id');
--> statement-breakpoint
CREATE TRIGGER reviews_credit_update AFTER UPDATE ON reviews
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION credit_mark_stale('seller_org_id');
--> statement-breakpoint
CREATE TRIGGER reviews_credit_delete AFTER DELETE ON reviews
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION credit_mark_stale('seller_org_id');
--> statement-breakpoint
CREATE TRIGGER complaints_credit_insert AFTER INSERT ON complaints
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION credit_mark_stale('seller_org_id');
--> statement-breakpoint
CREATE TRIGGER complaints_credit_update AFTER UPDATE ON complaints
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION credit_mark_stale('seller_org_id');
--> statement-breakpoint
CREATE TRIGGER complaints_credit_delete AFTER DELETE ON complaints
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION credit_mark_stale('seller_org_id');
--> statement-breakpoint
-- Only confirmed alerts count, and an alert is confirmed by an update.
CREATE TRIGGER alerts_credit_update AFTER UPDATE ON alerts
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION credit_mark_stale('org_id');
--> statement-breakpoint
CREATE TRIGGER alerts_credit_delete AFTER DELETE ON alerts
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION credit_mark_stale('org_id');
--> statement-breakpoint
CREATE TRIGGER list_entries_credit_insert AFTER INSERT ON list_entries
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION credit_mark_stale('org_id');
--> statement-breakpoint
CREATE TRIGGER list_entries_credit_update AFTER UPDATE ON list_entries
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION credit_mark_stale('org_id');
--> statement-breakpoint
CREATE TRIGGER list_entries_credit_delete AFTER DELETE ON list_entries
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION credit_mark_stale('org_id');
--> statement-breakpoint
CREATE TRIGGER commitments_credit_insert AFTER INSERT ON commitments
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION credit_mark_stale('org_id');
--> statement-breakpoint
CREATE TRIGGER commitments_credit_update AFTER UPDATE ON commitments
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION credit_mark_stale('org_id');
--> statement-breakpoint
CREATE TRIGGER commitments_credit_delete AFTER DELETE ON commitments
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION credit_mark_stale('org_id');
--> statement-breakpoint
-- Roles decide which factors apply; a new organisation gets its row here.
CREATE TRIGGER orgs_credit_insert AFTER INSERT ON orgs
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION credit_mark_stale('id');
--> statement-breakpoint
CREATE TRIGGER orgs_credit_update AFTER UPDATE ON orgs
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION credit_mark_stale('id');
--> statement-breakpoint
CREATE TRIGGER inspections_credit_insert AFTER INSERT ON inspections
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION credit_mark_stale_inspection();
--> statement-breakpoint
CREATE TRIGGER inspections_credit_update AFTER UPDATE ON inspections
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION credit_mark_stale_inspection();
--> statement-breakpoint
CREATE TRIGGER inspections_credit_delete AFTER DELETE ON inspections
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION credit_mark_stale_inspection();
--> statement-breakpoint
-- Organisations that existed before this migration: stale, so the refresher computes them first.
INSERT INTO credit_summaries (org_id) SELECT id FROM orgs ON CONFLICT DO NOTHING;
