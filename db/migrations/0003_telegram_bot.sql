ALTER TYPE "public"."event_type" ADD VALUE 'telegram_linked';--> statement-breakpoint
ALTER TYPE "public"."event_type" ADD VALUE 'model_paused';--> statement-breakpoint
ALTER TYPE "public"."event_type" ADD VALUE 'model_resumed';--> statement-breakpoint
CREATE TABLE "telegram_alerts" (
	"key" text PRIMARY KEY NOT NULL,
	"chat_id" bigint NOT NULL,
	"message_id" integer NOT NULL,
	"body" text NOT NULL,
	"buttons" jsonb,
	"count" integer DEFAULT 1 NOT NULL,
	"shown_count" integer DEFAULT 1 NOT NULL,
	"first_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_at" timestamp with time zone DEFAULT now() NOT NULL,
	"edited_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "telegram_cards" (
	"content_id" uuid PRIMARY KEY NOT NULL,
	"chat_id" bigint NOT NULL,
	"message_id" integer NOT NULL,
	"kind" text NOT NULL,
	"body" text NOT NULL,
	"reason_prompt_message_id" integer,
	"decided_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "telegram_outbox" (
	"name" text PRIMARY KEY NOT NULL,
	"last_event_id" bigint NOT NULL,
	"lease_owner" text,
	"lease_until" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "telegram_uploads" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"file_path" text NOT NULL,
	"content_id" uuid,
	"model_id" uuid NOT NULL,
	"telegram_user_id" bigint NOT NULL,
	"chat_id" bigint NOT NULL,
	"message_id" integer NOT NULL,
	"media_group_id" text,
	"kind" text NOT NULL,
	"file_id" text NOT NULL,
	"file_unique_id" text NOT NULL,
	"file_size" bigint,
	"mime_type" text,
	"file_name" text,
	"downloaded_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "telegram_uploads_file_path_unique" UNIQUE("file_path"),
	CONSTRAINT "telegram_uploads_content_id_unique" UNIQUE("content_id"),
	CONSTRAINT "telegram_uploads_message" UNIQUE("chat_id","message_id")
);
--> statement-breakpoint
ALTER TABLE "telegram_cards" ADD CONSTRAINT "telegram_cards_content_id_contents_id_fk" FOREIGN KEY ("content_id") REFERENCES "public"."contents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "telegram_uploads" ADD CONSTRAINT "telegram_uploads_content_id_contents_id_fk" FOREIGN KEY ("content_id") REFERENCES "public"."contents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "telegram_uploads" ADD CONSTRAINT "telegram_uploads_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "telegram_uploads_model_idx" ON "telegram_uploads" USING btree ("model_id","created_at");