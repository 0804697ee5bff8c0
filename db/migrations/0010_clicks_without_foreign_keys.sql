-- Raw clicks keep no foreign keys: the flush checks its references itself (db/schema.ts `clicks`, db/clicks.ts insertClickBatch).
ALTER TABLE "clicks" DROP CONSTRAINT "clicks_account_id_platform_accounts_id_fk";
--> statement-breakpoint
ALTER TABLE "clicks" DROP CONSTRAINT "clicks_publication_id_publications_id_fk";
