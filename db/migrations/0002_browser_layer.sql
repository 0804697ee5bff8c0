ALTER TYPE "public"."event_type" ADD VALUE 'session_checked';--> statement-breakpoint
ALTER TYPE "public"."event_type" ADD VALUE 'post_missing';--> statement-breakpoint
ALTER TYPE "public"."event_type" ADD VALUE 'post_deleted';--> statement-breakpoint
ALTER TABLE "platform_accounts" ADD COLUMN "browser_profile" jsonb;--> statement-breakpoint
ALTER TABLE "platform_accounts" ADD COLUMN "proxy_encrypted" text;--> statement-breakpoint
ALTER TABLE "platform_accounts" ADD COLUMN "last_session_check_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "platform_accounts" ADD COLUMN "last_session_state" text;--> statement-breakpoint
ALTER TABLE "publications" ADD COLUMN "missing_checks" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "publications" ADD COLUMN "deleted_at" timestamp with time zone;