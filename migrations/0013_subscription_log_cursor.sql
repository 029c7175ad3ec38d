-- Subscription cursors move from event ids to log positions: the position after the last event
-- delivered. An event with an id below the old cursor that had no leaf yet (its transaction had
-- not committed) gets a later position and is delivered, at least once, as deliveries promise.
UPDATE "epcis_subscriptions" AS s
SET "cursor" = coalesce((SELECT max(l."leaf_index") + 1 FROM "log_leaves" AS l WHERE l."event_id" <= s."cursor"), 0)
WHERE s."cursor" > 0;
