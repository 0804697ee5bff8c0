ALTER TYPE "public"."event_type" ADD VALUE 'model_created';--> statement-breakpoint
ALTER TYPE "public"."event_type" ADD VALUE 'model_updated';--> statement-breakpoint
ALTER TYPE "public"."event_type" ADD VALUE 'account_created';--> statement-breakpoint
ALTER TYPE "public"."event_type" ADD VALUE 'account_updated';--> statement-breakpoint
ALTER TYPE "public"."event_type" ADD VALUE 'account_deleted';--> statement-breakpoint
ALTER TYPE "public"."event_type" ADD VALUE 'platform_updated';--> statement-breakpoint
ALTER TYPE "public"."event_type" ADD VALUE 'alert_acknowledged';--> statement-breakpoint
ALTER TYPE "public"."event_type" ADD VALUE 'api_token_created';--> statement-breakpoint
ALTER TYPE "public"."event_type" ADD VALUE 'api_token_revoked';--> statement-breakpoint
ALTER TYPE "public"."event_type" ADD VALUE 'admin_session_revoked';--> statement-breakpoint
ALTER TYPE "public"."event_type" ADD VALUE 'admin_password_changed';--> statement-breakpoint
CREATE TABLE "admin_credentials" (
	"id" integer PRIMARY KEY NOT NULL,
	"password_hash" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "admin_sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	"user_agent" text,
	"ip_address" text,
	CONSTRAINT "admin_sessions_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "alert_acknowledgements" (
	"event_id" bigint PRIMARY KEY NOT NULL,
	"actor" text NOT NULL,
	"acknowledged_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "api_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
ALTER TABLE "alert_acknowledgements" ADD CONSTRAINT "alert_acknowledgements_event_id_system_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."system_events"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "admin_sessions_expires_idx" ON "admin_sessions" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "api_tokens_name_idx" ON "api_tokens" USING btree ("name");--> statement-breakpoint
CREATE INDEX "publications_published_at_idx" ON "publications" USING btree ("published_at");--> statement-breakpoint
CREATE INDEX "system_events_model_id_idx" ON "system_events" USING btree ("model_id","id");--> statement-breakpoint
CREATE INDEX "system_events_account_id_idx" ON "system_events" USING btree ("account_id","id");--> statement-breakpoint
CREATE INDEX "system_events_type_id_idx" ON "system_events" USING btree ("type","id");