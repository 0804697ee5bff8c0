ALTER TYPE "public"."content_status" ADD VALUE 'duplicate';--> statement-breakpoint
ALTER TYPE "public"."event_type" ADD VALUE 'approval_requested';--> statement-breakpoint
ALTER TYPE "public"."event_type" ADD VALUE 'approval_reminder';--> statement-breakpoint
ALTER TYPE "public"."event_type" ADD VALUE 'publication_rescheduled';--> statement-breakpoint
ALTER TYPE "public"."event_type" ADD VALUE 'publication_canceled';--> statement-breakpoint
ALTER TYPE "public"."event_type" ADD VALUE 'publication_held';--> statement-breakpoint
ALTER TYPE "public"."event_type" ADD VALUE 'publication_unconfirmed';--> statement-breakpoint
ALTER TYPE "public"."event_type" ADD VALUE 'media_variant_created';--> statement-breakpoint
ALTER TYPE "public"."event_type" ADD VALUE 'account_resumed';--> statement-breakpoint
ALTER TYPE "public"."publication_status" ADD VALUE 'held' BEFORE 'processing';--> statement-breakpoint
ALTER TABLE "contents" ADD COLUMN "caption_drafts" jsonb;--> statement-breakpoint
ALTER TABLE "contents" ADD COLUMN "rejected_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "contents" ADD COLUMN "rejected_by" text;--> statement-breakpoint
ALTER TABLE "contents" ADD COLUMN "duplicate_of_id" uuid;--> statement-breakpoint
ALTER TABLE "publications" ADD COLUMN "media_path" text;--> statement-breakpoint
ALTER TABLE "contents" ADD CONSTRAINT "contents_duplicate_of_id_contents_id_fk" FOREIGN KEY ("duplicate_of_id") REFERENCES "public"."contents"("id") ON DELETE set null ON UPDATE no action;