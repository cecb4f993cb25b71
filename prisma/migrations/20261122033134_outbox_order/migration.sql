-- AlterTable
ALTER TABLE "outbox_message" ADD COLUMN     "seq" BIGSERIAL NOT NULL;

-- CreateIndex
CREATE INDEX "outbox_message_conversation_id_seq_idx" ON "outbox_message"("conversation_id", "seq");
