ALTER TYPE "public"."event_type" ADD VALUE 'media_retention';--> statement-breakpoint
ALTER TABLE "models" DROP CONSTRAINT "models_telegram_link_code_unique";--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "telegram_link_code_hash" text;--> statement-breakpoint
-- Link codes were stored in clear; now only their HMAC (keyed by SESSION_SECRET, which SQL does not know) is kept.
-- Codes still pending are invalidated: the studio generates a new one for a model that had not linked yet.
UPDATE "models" SET "telegram_link_expires_at" = NULL WHERE "telegram_link_code" IS NOT NULL;--> statement-breakpoint
ALTER TABLE "models" DROP COLUMN "telegram_link_code";--> statement-breakpoint
ALTER TABLE "models" ADD CONSTRAINT "models_telegram_link_code_hash_unique" UNIQUE("telegram_link_code_hash");