CREATE TABLE "log_pending" (
	"event_id" bigint PRIMARY KEY NOT NULL
);
