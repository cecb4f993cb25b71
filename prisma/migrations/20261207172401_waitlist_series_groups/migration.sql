-- CreateEnum
CREATE TYPE "WaitlistWishStatus" AS ENUM ('waiting', 'offered', 'booked', 'expired', 'cancelled');

-- CreateEnum
CREATE TYPE "WaitlistOfferStatus" AS ENUM ('held_for_quiet_hours', 'sent', 'accepted', 'lost', 'expired');

-- CreateEnum
CREATE TYPE "WaitlistSource" AS ENUM ('agent', 'staff');

-- CreateEnum
CREATE TYPE "DayPart" AS ENUM ('morning', 'afternoon', 'evening');

-- AlterTable
ALTER TABLE "booking" ADD COLUMN     "group_id" UUID,
ADD COLUMN     "series_id" UUID,
ADD COLUMN     "series_index" INTEGER;

-- AlterTable
ALTER TABLE "location" ADD COLUMN     "waitlist_enabled" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "waitlist_max_offers" INTEGER NOT NULL DEFAULT 3,
ADD COLUMN     "waitlist_quiet_end_minute" INTEGER NOT NULL DEFAULT 540,
ADD COLUMN     "waitlist_quiet_start_minute" INTEGER NOT NULL DEFAULT 1260;

-- AlterTable
ALTER TABLE "payment" ADD COLUMN     "group_id" UUID;

-- CreateTable
CREATE TABLE "booking_series" (
    "id" UUID NOT NULL,
    "location_id" UUID NOT NULL,
    "customer_id" UUID NOT NULL,
    "rule" TEXT,
    "interval_weeks" INTEGER,
    "count" INTEGER,
    "until" TIMESTAMPTZ(3),
    "created_by_staff_id" UUID,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "booking_series_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "booking_group" (
    "id" UUID NOT NULL,
    "location_id" UUID NOT NULL,
    "organiser_customer_id" UUID NOT NULL,
    "created_by_staff_id" UUID,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "booking_group_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "waitlist_wish" (
    "id" UUID NOT NULL,
    "location_id" UUID NOT NULL,
    "customer_id" UUID NOT NULL,
    "conversation_id" UUID,
    "staff_id" UUID,
    "date_from" DATE NOT NULL,
    "date_to" DATE NOT NULL,
    "day_parts" "DayPart"[],
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "status" "WaitlistWishStatus" NOT NULL DEFAULT 'waiting',
    "source" "WaitlistSource" NOT NULL,
    "note_cipher" BYTEA,
    "created_by_staff_id" UUID,
    "offers_sent" INTEGER NOT NULL DEFAULT 0,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "waitlist_wish_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "waitlist_wish_service" (
    "wish_id" UUID NOT NULL,
    "service_id" UUID NOT NULL,
    "position" INTEGER NOT NULL,

    CONSTRAINT "waitlist_wish_service_pkey" PRIMARY KEY ("wish_id","position")
);

-- CreateTable
CREATE TABLE "waitlist_offer" (
    "id" UUID NOT NULL,
    "wish_id" UUID NOT NULL,
    "staff_id" UUID NOT NULL,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3) NOT NULL,
    "status" "WaitlistOfferStatus" NOT NULL,
    "send_at" TIMESTAMPTZ(3),
    "sent_at" TIMESTAMPTZ(3),
    "answered_at" TIMESTAMPTZ(3),
    "booking_id" UUID,
    "created_by_staff_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "waitlist_offer_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "booking_series_location_id_idx" ON "booking_series"("location_id");

-- CreateIndex
CREATE INDEX "booking_series_customer_id_idx" ON "booking_series"("customer_id");

-- CreateIndex
CREATE INDEX "booking_group_location_id_idx" ON "booking_group"("location_id");

-- CreateIndex
CREATE INDEX "booking_group_organiser_customer_id_idx" ON "booking_group"("organiser_customer_id");

-- CreateIndex
CREATE INDEX "waitlist_wish_location_id_status_created_at_idx" ON "waitlist_wish"("location_id", "status", "created_at");

-- CreateIndex
CREATE INDEX "waitlist_wish_customer_id_idx" ON "waitlist_wish"("customer_id");

-- CreateIndex
CREATE UNIQUE INDEX "waitlist_wish_service_wish_id_service_id_key" ON "waitlist_wish_service"("wish_id", "service_id");

-- CreateIndex
CREATE UNIQUE INDEX "waitlist_offer_booking_id_key" ON "waitlist_offer"("booking_id");

-- CreateIndex
CREATE INDEX "waitlist_offer_status_send_at_idx" ON "waitlist_offer"("status", "send_at");

-- CreateIndex
CREATE INDEX "waitlist_offer_staff_id_starts_at_idx" ON "waitlist_offer"("staff_id", "starts_at");

-- CreateIndex
CREATE UNIQUE INDEX "waitlist_offer_wish_id_staff_id_starts_at_key" ON "waitlist_offer"("wish_id", "staff_id", "starts_at");

-- CreateIndex
CREATE INDEX "booking_group_id_idx" ON "booking"("group_id");

-- CreateIndex
CREATE UNIQUE INDEX "booking_series_id_series_index_key" ON "booking"("series_id", "series_index");

-- CreateIndex
CREATE INDEX "payment_group_id_idx" ON "payment"("group_id");

-- AddForeignKey
ALTER TABLE "booking" ADD CONSTRAINT "booking_series_id_fkey" FOREIGN KEY ("series_id") REFERENCES "booking_series"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "booking" ADD CONSTRAINT "booking_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "booking_group"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "booking_series" ADD CONSTRAINT "booking_series_location_id_fkey" FOREIGN KEY ("location_id") REFERENCES "location"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "booking_series" ADD CONSTRAINT "booking_series_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "booking_group" ADD CONSTRAINT "booking_group_location_id_fkey" FOREIGN KEY ("location_id") REFERENCES "location"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "booking_group" ADD CONSTRAINT "booking_group_organiser_customer_id_fkey" FOREIGN KEY ("organiser_customer_id") REFERENCES "customer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payment" ADD CONSTRAINT "payment_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "booking_group"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "waitlist_wish" ADD CONSTRAINT "waitlist_wish_location_id_fkey" FOREIGN KEY ("location_id") REFERENCES "location"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "waitlist_wish" ADD CONSTRAINT "waitlist_wish_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "waitlist_wish" ADD CONSTRAINT "waitlist_wish_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversation"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "waitlist_wish" ADD CONSTRAINT "waitlist_wish_staff_id_fkey" FOREIGN KEY ("staff_id") REFERENCES "staff_member"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "waitlist_wish_service" ADD CONSTRAINT "waitlist_wish_service_wish_id_fkey" FOREIGN KEY ("wish_id") REFERENCES "waitlist_wish"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "waitlist_wish_service" ADD CONSTRAINT "waitlist_wish_service_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "service"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "waitlist_offer" ADD CONSTRAINT "waitlist_offer_wish_id_fkey" FOREIGN KEY ("wish_id") REFERENCES "waitlist_wish"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "waitlist_offer" ADD CONSTRAINT "waitlist_offer_staff_id_fkey" FOREIGN KEY ("staff_id") REFERENCES "staff_member"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "waitlist_offer" ADD CONSTRAINT "waitlist_offer_booking_id_fkey" FOREIGN KEY ("booking_id") REFERENCES "booking"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- ───────── Hand-written (prisma/EXTRAS.md): what the database refuses for issue #20 ─────────
-- The new tables start empty and the new columns start NULL or at sound defaults, so no pre-check.

-- Waitlist: dates in order and inside the stored window, at least one part of day, a sane expiry,
-- no negative count; an offer's slot is a real range inside the window; settings within a day.
ALTER TABLE "waitlist_wish" ADD CONSTRAINT "waitlist_wish_sane_dates" CHECK (
  "date_from" <= "date_to" AND "date_from" >= DATE '2000-01-01' AND "date_to" < DATE '2100-01-01'
  AND "expires_at" >= '2000-01-01 UTC' AND "expires_at" < '2100-01-01 UTC');
ALTER TABLE "waitlist_wish" ADD CONSTRAINT "waitlist_wish_day_parts" CHECK (
  "day_parts" IS NOT NULL AND cardinality("day_parts") BETWEEN 1 AND 3 AND array_position("day_parts", NULL) IS NULL);
ALTER TABLE "waitlist_wish" ADD CONSTRAINT "waitlist_wish_offers_non_negative" CHECK ("offers_sent" >= 0);
ALTER TABLE "waitlist_wish_service" ADD CONSTRAINT "waitlist_wish_service_position" CHECK ("position" >= 0 AND "position" < 20);
ALTER TABLE "waitlist_offer" ADD CONSTRAINT "waitlist_offer_sane_range" CHECK (
  "ends_at" > "starts_at" AND "starts_at" >= '2000-01-01 UTC' AND "ends_at" < '2100-01-01 UTC');
ALTER TABLE "waitlist_offer" ADD CONSTRAINT "waitlist_offer_held_has_send_at" CHECK (
  "status" <> 'held_for_quiet_hours' OR "send_at" IS NOT NULL);
ALTER TABLE "location" ADD CONSTRAINT "location_waitlist_settings" CHECK (
  "waitlist_max_offers" BETWEEN 0 AND 100
  AND "waitlist_quiet_start_minute" BETWEEN 0 AND 1439 AND "waitlist_quiet_end_minute" BETWEEN 0 AND 1439);

-- Repeating visits: exactly one of rule / interval_weeks; positive limits; an occurrence number
-- comes with its series and starts at 1.
ALTER TABLE "booking_series" ADD CONSTRAINT "booking_series_rule" CHECK (
  num_nonnulls("rule", "interval_weeks") = 1
  AND ("interval_weeks" IS NULL OR "interval_weeks" BETWEEN 1 AND 104)
  AND ("count" IS NULL OR "count" BETWEEN 1 AND 500)
  AND ("until" IS NULL OR ("until" >= '2000-01-01 UTC' AND "until" < '2100-01-01 UTC')));
ALTER TABLE "booking" ADD CONSTRAINT "booking_series_index" CHECK (
  ("series_id" IS NULL) = ("series_index" IS NULL) AND ("series_index" IS NULL OR "series_index" >= 1));
