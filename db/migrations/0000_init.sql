CREATE TYPE "public"."account_status" AS ENUM('active', 'paused', 'session_expired', 'disabled');--> statement-breakpoint
CREATE TYPE "public"."content_status" AS ENUM('new', 'approved', 'rejected', 'reusable');--> statement-breakpoint
CREATE TYPE "public"."event_type" AS ENUM('content_received', 'content_ingested', 'content_rejected', 'content_approved', 'content_duplicate', 'caption_generated', 'publication_scheduled', 'publication_started', 'publication_published', 'publication_failed', 'retry', 'metrics_read', 'metrics_parse_failed', 'manual_adjustment', 'strategy_changed', 'session_linked', 'session_expired', 'account_paused', 'alert');--> statement-breakpoint
CREATE TYPE "public"."model_status" AS ENUM('active', 'paused', 'testing');--> statement-breakpoint
CREATE TYPE "public"."publication_status" AS ENUM('scheduled', 'processing', 'published', 'failed', 'canceled', 'unconfirmed');--> statement-breakpoint
CREATE TYPE "public"."publish_step" AS ENUM('prepared', 'uploading', 'submitting', 'unconfirmed', 'published');--> statement-breakpoint
CREATE TYPE "public"."rollup_granularity" AS ENUM('hour', 'day');--> statement-breakpoint
CREATE TYPE "public"."show_type" AS ENUM('public', 'private', 'offline');--> statement-breakpoint
CREATE TABLE "click_rollups" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"granularity" "rollup_granularity" NOT NULL,
	"bucket_start" timestamp with time zone NOT NULL,
	"account_id" uuid NOT NULL,
	"publication_id" uuid,
	"country" text,
	"city" text,
	"referrer_host" text,
	"device" text,
	"total_clicks" integer NOT NULL,
	"unique_clicks" integer NOT NULL,
	CONSTRAINT "click_rollups_key" UNIQUE NULLS NOT DISTINCT("granularity","bucket_start","account_id","publication_id","country","city","referrer_host","device")
);
--> statement-breakpoint
CREATE TABLE "clicks" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"ts" timestamp with time zone DEFAULT now() NOT NULL,
	"account_id" uuid NOT NULL,
	"publication_id" uuid,
	"visitor_hash" text NOT NULL,
	"country" text,
	"city" text,
	"referrer_host" text,
	"device" text,
	"is_bot" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "contents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"model_id" uuid NOT NULL,
	"file_path" text NOT NULL,
	"original_filename" text,
	"sha256" text,
	"duration_seconds" double precision,
	"width" integer,
	"height" integer,
	"size_bytes" bigint,
	"codec" text,
	"thumbnail_path" text,
	"sent_by" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"context" text,
	"generated_caption" text,
	"generated_tags" text[],
	"status" "content_status" DEFAULT 'new' NOT NULL,
	"approved_at" timestamp with time zone,
	"approved_by" text,
	"rejection_reason" text,
	"origin_content_id" uuid,
	"workflow_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "earnings" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"model_id" uuid NOT NULL,
	"ts" timestamp with time zone DEFAULT now() NOT NULL,
	"period" text NOT NULL,
	"total" numeric(12, 2) NOT NULL,
	"public_tips" numeric(12, 2),
	"private_tips" numeric(12, 2),
	"source" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "models" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"status" "model_status" DEFAULT 'active' NOT NULL,
	"distribution" jsonb NOT NULL,
	"telegram_user_id" bigint,
	"telegram_link_code" text,
	"telegram_link_expires_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "models_name_unique" UNIQUE("name"),
	CONSTRAINT "models_telegram_user_id_unique" UNIQUE("telegram_user_id"),
	CONSTRAINT "models_telegram_link_code_unique" UNIQUE("telegram_link_code")
);
--> statement-breakpoint
CREATE TABLE "platform_accounts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"model_id" uuid NOT NULL,
	"platform_id" uuid NOT NULL,
	"username" text NOT NULL,
	"profile_url" text,
	"stream_url" text,
	"tracking_url" text,
	"tracking_code" text,
	"status" "account_status" DEFAULT 'active' NOT NULL,
	"session_saved" boolean DEFAULT false NOT NULL,
	"last_authenticated_at" timestamp with time zone,
	"auth_data" text,
	"scraper_enabled" boolean DEFAULT true NOT NULL,
	"tracker_enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "platform_accounts_tracking_code_unique" UNIQUE("tracking_code"),
	CONSTRAINT "platform_accounts_platform_username" UNIQUE("platform_id","username")
);
--> statement-breakpoint
CREATE TABLE "platforms" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"capabilities" jsonb NOT NULL,
	"technical_config" jsonb NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "platforms_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "publication_metrics" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"publication_id" uuid NOT NULL,
	"ts" timestamp with time zone DEFAULT now() NOT NULL,
	"views" integer,
	"likes" integer,
	"comments" integer,
	"shares" integer,
	"platform_followers" integer,
	"tracking_clicks" integer,
	"source" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "publications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"content_id" uuid NOT NULL,
	"account_id" uuid NOT NULL,
	"scheduled_time" timestamp with time zone,
	"published_at" timestamp with time zone,
	"caption_used" text,
	"tags_used" text[],
	"post_url" text,
	"external_id" text,
	"status" "publication_status" DEFAULT 'scheduled' NOT NULL,
	"publish_step" "publish_step",
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"evidence_path" text,
	"idempotency_marker" text NOT NULL,
	"workflow_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "publications_idempotency_marker_unique" UNIQUE("idempotency_marker"),
	CONSTRAINT "publications_content_account" UNIQUE("content_id","account_id")
);
--> statement-breakpoint
CREATE TABLE "streams" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"model_id" uuid NOT NULL,
	"ts" timestamp with time zone DEFAULT now() NOT NULL,
	"platform" text NOT NULL,
	"show_type" "show_type" NOT NULL,
	"viewers" integer,
	"rank" integer,
	"gender_rank" integer,
	"followers_start" integer,
	"followers_end" integer,
	"growth" integer
);
--> statement-breakpoint
CREATE TABLE "system_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"ts" timestamp with time zone DEFAULT now() NOT NULL,
	"type" "event_type" NOT NULL,
	"model_id" uuid,
	"content_id" uuid,
	"publication_id" uuid,
	"account_id" uuid,
	"description" text NOT NULL,
	"actor" text DEFAULT 'system' NOT NULL,
	"data" jsonb
);
--> statement-breakpoint
ALTER TABLE "click_rollups" ADD CONSTRAINT "click_rollups_account_id_platform_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."platform_accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "click_rollups" ADD CONSTRAINT "click_rollups_publication_id_publications_id_fk" FOREIGN KEY ("publication_id") REFERENCES "public"."publications"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clicks" ADD CONSTRAINT "clicks_account_id_platform_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."platform_accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clicks" ADD CONSTRAINT "clicks_publication_id_publications_id_fk" FOREIGN KEY ("publication_id") REFERENCES "public"."publications"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contents" ADD CONSTRAINT "contents_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contents" ADD CONSTRAINT "contents_origin_content_id_contents_id_fk" FOREIGN KEY ("origin_content_id") REFERENCES "public"."contents"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "earnings" ADD CONSTRAINT "earnings_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "platform_accounts" ADD CONSTRAINT "platform_accounts_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "platform_accounts" ADD CONSTRAINT "platform_accounts_platform_id_platforms_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platforms"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "publication_metrics" ADD CONSTRAINT "publication_metrics_publication_id_publications_id_fk" FOREIGN KEY ("publication_id") REFERENCES "public"."publications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "publications" ADD CONSTRAINT "publications_content_id_contents_id_fk" FOREIGN KEY ("content_id") REFERENCES "public"."contents"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "publications" ADD CONSTRAINT "publications_account_id_platform_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."platform_accounts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "streams" ADD CONSTRAINT "streams_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "system_events" ADD CONSTRAINT "system_events_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "system_events" ADD CONSTRAINT "system_events_content_id_contents_id_fk" FOREIGN KEY ("content_id") REFERENCES "public"."contents"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "system_events" ADD CONSTRAINT "system_events_publication_id_publications_id_fk" FOREIGN KEY ("publication_id") REFERENCES "public"."publications"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "system_events" ADD CONSTRAINT "system_events_account_id_platform_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."platform_accounts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "click_rollups_account_bucket_idx" ON "click_rollups" USING btree ("account_id","bucket_start");--> statement-breakpoint
CREATE INDEX "clicks_account_ts_idx" ON "clicks" USING btree ("account_id","ts");--> statement-breakpoint
CREATE INDEX "clicks_ts_brin" ON "clicks" USING brin ("ts");--> statement-breakpoint
CREATE INDEX "contents_model_received_idx" ON "contents" USING btree ("model_id","received_at");--> statement-breakpoint
CREATE INDEX "contents_model_sha256_idx" ON "contents" USING btree ("model_id","sha256");--> statement-breakpoint
CREATE INDEX "contents_status_idx" ON "contents" USING btree ("status");--> statement-breakpoint
CREATE INDEX "earnings_model_ts_idx" ON "earnings" USING btree ("model_id","ts");--> statement-breakpoint
CREATE INDEX "platform_accounts_model_idx" ON "platform_accounts" USING btree ("model_id");--> statement-breakpoint
CREATE INDEX "publication_metrics_publication_ts_idx" ON "publication_metrics" USING btree ("publication_id","ts");--> statement-breakpoint
CREATE INDEX "publication_metrics_ts_brin" ON "publication_metrics" USING brin ("ts");--> statement-breakpoint
CREATE INDEX "publications_account_scheduled_idx" ON "publications" USING btree ("account_id","scheduled_time");--> statement-breakpoint
CREATE INDEX "publications_status_scheduled_idx" ON "publications" USING btree ("status","scheduled_time");--> statement-breakpoint
CREATE INDEX "streams_model_ts_idx" ON "streams" USING btree ("model_id","ts");--> statement-breakpoint
CREATE INDEX "streams_ts_brin" ON "streams" USING brin ("ts");--> statement-breakpoint
CREATE INDEX "system_events_ts_idx" ON "system_events" USING btree ("ts");--> statement-breakpoint
CREATE INDEX "system_events_publication_idx" ON "system_events" USING btree ("publication_id");--> statement-breakpoint
CREATE INDEX "system_events_content_idx" ON "system_events" USING btree ("content_id");