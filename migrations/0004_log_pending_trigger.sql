-- Every event an INSERT writes waits in log_pending until the sequencer gives it a leaf. A trigger
-- rather than the append path, so that every writer is covered; a statement trigger with a
-- transition table, so that a 1,000-event insert adds its ids in one statement.
CREATE FUNCTION log_pending_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO log_pending (event_id) SELECT id FROM inserted ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER events_log_pending AFTER INSERT ON events
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION log_pending_add();
--> statement-breakpoint
-- Events stored before this migration that have no leaf yet.
INSERT INTO log_pending (event_id)
  SELECT e.id FROM events e WHERE NOT EXISTS (SELECT 1 FROM log_leaves l WHERE l.event_id = e.id);
