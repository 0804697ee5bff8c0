CREATE TYPE "public"."click_dimension" AS ENUM('all', 'publication', 'country', 'city', 'device', 'os', 'browser', 'referrer');--> statement-breakpoint
CREATE TABLE "click_salts" (
	"day" date PRIMARY KEY NOT NULL,
	"salt" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "click_visitors" (
	"day" date NOT NULL,
	"link_key" text NOT NULL,
	"visitor_hash" text NOT NULL,
	CONSTRAINT "click_visitors_day_link_key_visitor_hash_pk" PRIMARY KEY("day","link_key","visitor_hash")
);
--> statement-breakpoint
CREATE TABLE "publication_stats" (
	"publication_id" uuid PRIMARY KEY NOT NULL,
	"views" integer,
	"likes" integer,
	"comments" integer,
	"shares" integer,
	"metrics_at" timestamp with time zone,
	"clicks" integer DEFAULT 0 NOT NULL,
	"unique_clicks" integer DEFAULT 0 NOT NULL,
	"bot_clicks" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tracking_code_history" (
	"code" text PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"retired_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- Nothing wrote click rollups before this migration: the table is rebuilt in its narrow shape.
DROP TABLE "click_rollups";--> statement-breakpoint
CREATE TABLE "click_rollups" (
	"granularity" "rollup_granularity" NOT NULL,
	"dimension" "click_dimension" NOT NULL,
	"bucket_start" timestamp with time zone NOT NULL,
	"account_id" uuid NOT NULL,
	"value" text DEFAULT '' NOT NULL,
	"total" integer DEFAULT 0 NOT NULL,
	"unique" integer DEFAULT 0 NOT NULL,
	"bots" integer DEFAULT 0 NOT NULL,
	"bot_unique" integer DEFAULT 0 NOT NULL,
	-- Covering (INCLUDE): every chart reads its rows by index-only scans of this key (db/analytics.ts rollupSource).
	CONSTRAINT "click_rollups_granularity_dimension_bucket_start_account_id_value_pk" PRIMARY KEY("granularity","dimension","bucket_start","account_id","value") INCLUDE ("total","unique","bots","bot_unique")
);
--> statement-breakpoint
ALTER TABLE "click_rollups" ADD CONSTRAINT "click_rollups_account_id_platform_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."platform_accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "platform_accounts" ALTER COLUMN "tracking_code" SET DEFAULT substr(md5(gen_random_uuid()::text), 1, 10);--> statement-breakpoint
-- Every existing account gets a tracking code.
UPDATE "platform_accounts" SET "tracking_code" = DEFAULT WHERE "tracking_code" IS NULL;--> statement-breakpoint
ALTER TABLE "platform_accounts" ALTER COLUMN "tracking_code" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "clicks" ADD COLUMN "is_unique" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "clicks" ADD COLUMN "os" text;--> statement-breakpoint
ALTER TABLE "clicks" ADD COLUMN "browser" text;--> statement-breakpoint
ALTER TABLE "publications" ADD COLUMN "tracking_link" text;--> statement-breakpoint
ALTER TABLE "publication_stats" ADD CONSTRAINT "publication_stats_publication_id_publications_id_fk" FOREIGN KEY ("publication_id") REFERENCES "public"."publications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tracking_code_history" ADD CONSTRAINT "tracking_code_history_account_id_platform_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."platform_accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "platform_accounts" DROP COLUMN "tracking_url";--> statement-breakpoint
-- Running totals start from what is stored: the latest metrics of each publication and its recorded clicks.
INSERT INTO "publication_stats" ("publication_id", "views", "likes", "comments", "shares", "metrics_at")
SELECT DISTINCT ON ("publication_id") "publication_id", "views", "likes", "comments", "shares", "ts"
FROM "publication_metrics" ORDER BY "publication_id", "ts" DESC;--> statement-breakpoint
INSERT INTO "publication_stats" ("publication_id", "clicks", "unique_clicks", "bot_clicks")
SELECT "publication_id", count(*) FILTER (WHERE NOT "is_bot"), 0, count(*) FILTER (WHERE "is_bot")
FROM "clicks" WHERE "publication_id" IS NOT NULL GROUP BY "publication_id"
ON CONFLICT ("publication_id") DO UPDATE SET "clicks" = excluded."clicks", "bot_clicks" = excluded."bot_clicks";
