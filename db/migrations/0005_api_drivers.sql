CREATE TABLE "api_rate_limits" (
	"key" text PRIMARY KEY NOT NULL,
	"points" integer DEFAULT 0 NOT NULL,
	"expire" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "contents" ADD COLUMN "sensitive" boolean;--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "sensitive" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "platform_accounts" ADD COLUMN "publish_settings" jsonb;