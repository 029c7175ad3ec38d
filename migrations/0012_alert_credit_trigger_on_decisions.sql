-- Only confirmed alerts count for credit, so only a change to or from `confirmed` marks the
-- organisation's summary stale. The trigger of 0011 fired on every update of an alert, and an
-- open alert is updated by every scan that adds evidence to it (a cloned code scanned again):
-- each such scan then waited on the organisation's summary row until it committed.
DROP TRIGGER alerts_credit_update ON alerts;
--> statement-breakpoint
CREATE FUNCTION credit_mark_stale_alert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO credit_summaries (org_id)
    SELECT DISTINCT n.org_id FROM changed n JOIN before o ON o.id = n.id
    WHERE n.org_id IS NOT NULL AND (n.status = 'confirmed') IS DISTINCT FROM (o.status = 'confirmed')
    ORDER BY 1
  ON CONFLICT (org_id) DO UPDATE SET dirty_seq = credit_summaries.dirty_seq + 1;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER alerts_credit_update AFTER UPDATE ON alerts
  REFERENCING NEW TABLE AS changed OLD TABLE AS before
  FOR EACH STATEMENT EXECUTE FUNCTION credit_mark_stale_alert();
