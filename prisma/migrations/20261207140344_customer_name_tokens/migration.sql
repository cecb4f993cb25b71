-- Customer name search through a keyed blind index of name fragments (issue #18 item 3,
-- customers/name-index.ts). NULL until computed: the server fills the tokens in at start-up, since
-- the key is not available to SQL.
-- AlterTable
ALTER TABLE "customer" ADD COLUMN     "name_tokens" INTEGER[];

-- CreateIndex
CREATE INDEX "customer_name_tokens_idx" ON "customer" USING GIN ("name_tokens");
