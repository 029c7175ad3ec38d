CREATE TABLE "log_nodes" (
	"level" integer NOT NULL,
	"index" bigint NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "log_nodes_level_index_pk" PRIMARY KEY("level","index"),
	CONSTRAINT "log_nodes_level_check" CHECK ("log_nodes"."level" between 0 and 62),
	CONSTRAINT "log_nodes_index_check" CHECK ("log_nodes"."index" >= 0),
	CONSTRAINT "log_nodes_hash_check" CHECK ("log_nodes"."hash" ~ '^[0-9a-f]{64}$')
);
