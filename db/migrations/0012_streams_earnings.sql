CREATE TYPE "public"."attribution_method" AS ENUM('last_click', 'linear');--> statement-breakpoint
CREATE TYPE "public"."earning_kind" AS ENUM('tip', 'media_purchase', 'fanclub_join', 'private_show', 'other');--> statement-breakpoint
CREATE TYPE "public"."stream_source_status" AS ENUM('active', 'revoked', 'paused');--> statement-breakpoint
ALTER TYPE "public"."event_type" ADD VALUE 'stream_source_created';--> statement-breakpoint
ALTER TYPE "public"."event_type" ADD VALUE 'stream_source_deleted';--> statement-breakpoint
ALTER TYPE "public"."event_type" ADD VALUE 'stream_started';--> statement-breakpoint
ALTER TYPE "public"."event_type" ADD VALUE 'stream_ended';--> statement-breakpoint
ALTER TYPE "public"."event_type" ADD VALUE 'earnings_imported';--> statement-breakpoint
ALTER TYPE "public"."event_type" ADD VALUE 'content_reposted';--> statement-breakpoint
ALTER TYPE "public"."event_type" ADD VALUE 'live_post_created';--> statement-breakpoint
ALTER TYPE "public"."event_type" ADD VALUE 'reach_drop';--> statement-breakpoint
-- The placeholder tables of the PRD's v2 model were never written by anything: replaced whole (issue 17).
DROP TABLE "earnings";--> statement-breakpoint
DROP TABLE "streams";--> statement-breakpoint
CREATE TABLE "streams" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"model_id" uuid NOT NULL,
	"source_id" uuid,
	"site" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	"show_type" "show_type" DEFAULT 'public' NOT NULL,
	"peak_viewers" integer,
	"visitors" integer,
	"followers_start" integer,
	"followers_end" integer,
	"follows_net" integer DEFAULT 0 NOT NULL,
	"tokens" integer DEFAULT 0 NOT NULL,
	"amount_usd" numeric(14, 4) DEFAULT '0' NOT NULL,
	"origin" text NOT NULL,
	"external_id" text,
	"live_post_content_id" uuid,
	"attributed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "streams" ADD CONSTRAINT "streams_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE TABLE "earnings" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"model_id" uuid NOT NULL,
	"stream_id" uuid,
	"source_id" uuid,
	"site" text NOT NULL,
	"ts" timestamp with time zone NOT NULL,
	"kind" "earning_kind" NOT NULL,
	"tokens" integer,
	"amount_usd" numeric(14, 4) NOT NULL,
	"is_anonymous" boolean DEFAULT false NOT NULL,
	"origin" text NOT NULL,
	"external_id" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "earnings" ADD CONSTRAINT "earnings_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "earnings_model_ts_idx" ON "earnings" USING btree ("model_id","ts");
--> statement-breakpoint
CREATE TABLE "revenue_attribution" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"stream_id" uuid NOT NULL,
	"stream_started_at" timestamp with time zone NOT NULL,
	"model_id" uuid NOT NULL,
	"method" "attribution_method" NOT NULL,
	"account_id" uuid NOT NULL,
	"publication_id" uuid,
	"clicks" integer NOT NULL,
	"tokens" numeric(14, 4) NOT NULL,
	"amount_usd" numeric(14, 4) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stream_event_ids" (
	"source_id" uuid NOT NULL,
	"event_id" text NOT NULL,
	"seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "stream_event_ids_source_id_event_id_pk" PRIMARY KEY("source_id","event_id")
);
--> statement-breakpoint
CREATE TABLE "stream_samples" (
	"stream_id" uuid NOT NULL,
	"ts" timestamp with time zone NOT NULL,
	"viewers" integer,
	"followers" integer,
	"token_balance" integer,
	CONSTRAINT "stream_samples_stream_id_ts_pk" PRIMARY KEY("stream_id","ts")
);
--> statement-breakpoint
CREATE TABLE "stream_sources" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"model_id" uuid NOT NULL,
	"site" text NOT NULL,
	"username" text NOT NULL,
	"events_token_encrypted" text,
	"stats_token_encrypted" text,
	"events_next_url_encrypted" text,
	"status" "stream_source_status" DEFAULT 'active' NOT NULL,
	"last_event_at" timestamp with time zone,
	"last_polled_at" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "stream_sources_model_site_username" UNIQUE("model_id","site","username")
);
--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "live_posting" jsonb;--> statement-breakpoint
ALTER TABLE "revenue_attribution" ADD CONSTRAINT "revenue_attribution_stream_id_streams_id_fk" FOREIGN KEY ("stream_id") REFERENCES "public"."streams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "revenue_attribution" ADD CONSTRAINT "revenue_attribution_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "revenue_attribution" ADD CONSTRAINT "revenue_attribution_account_id_platform_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."platform_accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "revenue_attribution" ADD CONSTRAINT "revenue_attribution_publication_id_publications_id_fk" FOREIGN KEY ("publication_id") REFERENCES "public"."publications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stream_event_ids" ADD CONSTRAINT "stream_event_ids_source_id_stream_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."stream_sources"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stream_samples" ADD CONSTRAINT "stream_samples_stream_id_streams_id_fk" FOREIGN KEY ("stream_id") REFERENCES "public"."streams"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stream_sources" ADD CONSTRAINT "stream_sources_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "revenue_attribution_stream_idx" ON "revenue_attribution" USING btree ("stream_id");--> statement-breakpoint
CREATE INDEX "revenue_attribution_method_started_idx" ON "revenue_attribution" USING btree ("method","stream_started_at");--> statement-breakpoint
CREATE INDEX "stream_event_ids_seen_brin" ON "stream_event_ids" USING brin ("seen_at");--> statement-breakpoint
ALTER TABLE "earnings" ADD CONSTRAINT "earnings_stream_id_streams_id_fk" FOREIGN KEY ("stream_id") REFERENCES "public"."streams"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "earnings" ADD CONSTRAINT "earnings_source_id_stream_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."stream_sources"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "streams" ADD CONSTRAINT "streams_source_id_stream_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."stream_sources"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "streams" ADD CONSTRAINT "streams_live_post_content_id_contents_id_fk" FOREIGN KEY ("live_post_content_id") REFERENCES "public"."contents"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "earnings_stream_idx" ON "earnings" USING btree ("stream_id");--> statement-breakpoint
CREATE INDEX "streams_model_started_idx" ON "streams" USING btree ("model_id","started_at");--> statement-breakpoint
CREATE INDEX "streams_started_brin" ON "streams" USING brin ("started_at");--> statement-breakpoint
ALTER TABLE "earnings" ADD CONSTRAINT "earnings_model_site_external" UNIQUE("model_id","site","external_id");--> statement-breakpoint
ALTER TABLE "streams" ADD CONSTRAINT "streams_model_site_external" UNIQUE("model_id","site","external_id");