-- Studio-wide rollups (every account summed; publication rows stay per account): what unscoped charts read (db/analytics.ts rollupSource).
CREATE TABLE "click_rollups_studio" (
	"granularity" "rollup_granularity" NOT NULL,
	"dimension" "click_dimension" NOT NULL,
	"bucket_start" timestamp with time zone NOT NULL,
	"value" text DEFAULT '' NOT NULL,
	"total" integer DEFAULT 0 NOT NULL,
	"unique" integer DEFAULT 0 NOT NULL,
	"bots" integer DEFAULT 0 NOT NULL,
	"bot_unique" integer DEFAULT 0 NOT NULL,
	-- Covering (INCLUDE), like click_rollups' key: index-only scans.
	CONSTRAINT "click_rollups_studio_granularity_dimension_bucket_start_value_pk" PRIMARY KEY("granularity","dimension","bucket_start","value") INCLUDE ("total","unique","bots","bot_unique")
);
--> statement-breakpoint
INSERT INTO "click_rollups_studio" ("granularity", "dimension", "bucket_start", "value", "total", "unique", "bots", "bot_unique")
	SELECT "granularity", "dimension", "bucket_start", "value", sum("total"), sum("unique"), sum("bots"), sum("bot_unique")
	FROM "click_rollups" WHERE "dimension" <> 'publication' GROUP BY "granularity", "dimension", "bucket_start", "value";--> statement-breakpoint
ALTER TABLE "publications" ADD COLUMN "driver_progress" text;--> statement-breakpoint
-- Account-first and covering: reads narrowed to a few accounts take one range per account.
CREATE INDEX "click_rollups_account_idx" ON "click_rollups" USING btree ("granularity","dimension","account_id","bucket_start") INCLUDE ("value","total","unique","bots","bot_unique");
