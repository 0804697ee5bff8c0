CREATE TYPE "public"."moderation_rule_kind" AS ENUM('banned_word', 'pattern', 'required_tag', 'max_mentions');--> statement-breakpoint
ALTER TYPE "public"."event_type" ADD VALUE 'moderation_rule_changed';--> statement-breakpoint
CREATE TABLE "admin_preferences" (
	"id" integer PRIMARY KEY NOT NULL,
	"timezone" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "moderation_rules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"platform_id" uuid,
	"model_id" uuid,
	"kind" "moderation_rule_kind" NOT NULL,
	"value" text NOT NULL,
	"note" text,
	"active" boolean DEFAULT true NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "watermark" jsonb;--> statement-breakpoint
ALTER TABLE "moderation_rules" ADD CONSTRAINT "moderation_rules_platform_id_platforms_id_fk" FOREIGN KEY ("platform_id") REFERENCES "public"."platforms"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "moderation_rules" ADD CONSTRAINT "moderation_rules_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "moderation_rules_model_idx" ON "moderation_rules" USING btree ("model_id");--> statement-breakpoint
CREATE INDEX "moderation_rules_platform_idx" ON "moderation_rules" USING btree ("platform_id");--> statement-breakpoint
CREATE INDEX "publications_scheduled_time_idx" ON "publications" USING btree ("scheduled_time");