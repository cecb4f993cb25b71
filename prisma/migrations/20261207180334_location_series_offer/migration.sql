-- AlterTable
ALTER TABLE "location" ADD COLUMN     "series_offer_weeks" INTEGER;

-- Hand-written (prisma/EXTRAS.md): a repeat offer's interval the domain accepts, or none.
ALTER TABLE "location" ADD CONSTRAINT "location_series_offer_weeks" CHECK (
  "series_offer_weeks" IS NULL OR "series_offer_weeks" BETWEEN 1 AND 52);
