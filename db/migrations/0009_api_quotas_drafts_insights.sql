ALTER TYPE "public"."publication_status" ADD VALUE 'published_as_draft';--> statement-breakpoint
CREATE TABLE "api_quota_usage" (
	"platform" text NOT NULL,
	"day" date NOT NULL,
	"units" integer DEFAULT 0 NOT NULL,
	"exhausted" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "api_quota_usage_platform_day_pk" PRIMARY KEY("platform","day")
);
--> statement-breakpoint
ALTER TABLE "publication_metrics" ADD COLUMN "reach" integer;--> statement-breakpoint
ALTER TABLE "publication_metrics" ADD COLUMN "saves" integer;