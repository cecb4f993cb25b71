-- CreateEnum
CREATE TYPE "ServicePhase" AS ENUM ('application', 'processing', 'finishing');

-- CreateEnum
CREATE TYPE "PatchTestResult" AS ENUM ('negative', 'positive');

-- CreateEnum
CREATE TYPE "TreatmentPhotoKind" AS ENUM ('before', 'after');

-- AlterTable
ALTER TABLE "booking" ADD COLUMN     "patch_test_override_by_id" UUID;

-- AlterTable
ALTER TABLE "conversation" ADD COLUMN     "location_id" UUID;

-- AlterTable
ALTER TABLE "service" ADD COLUMN     "is_patch_test" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "patch_test_max_months" INTEGER NOT NULL DEFAULT 6,
ADD COLUMN     "patch_test_min_hours" INTEGER NOT NULL DEFAULT 48,
ADD COLUMN     "patch_test_required" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "staff_schedule_block" ADD COLUMN     "location_id" UUID;

-- CreateTable
CREATE TABLE "resource" (
    "id" UUID NOT NULL,
    "location_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "sort_order" INTEGER NOT NULL DEFAULT 0,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "resource_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "service_resource_need" (
    "service_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "phase" "ServicePhase" NOT NULL,

    CONSTRAINT "service_resource_need_pkey" PRIMARY KEY ("service_id","kind","phase")
);

-- CreateTable
CREATE TABLE "booking_resource_segment" (
    "id" UUID NOT NULL,
    "booking_id" UUID NOT NULL,
    "item_id" UUID NOT NULL,
    "resource_id" UUID NOT NULL,
    "phase" "ServicePhase" NOT NULL,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3) NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,

    CONSTRAINT "booking_resource_segment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "staff_location" (
    "staff_id" UUID NOT NULL,
    "location_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "staff_location_pkey" PRIMARY KEY ("staff_id","location_id")
);

-- CreateTable
CREATE TABLE "location_inbox" (
    "id" UUID NOT NULL,
    "channel" "Channel" NOT NULL,
    "channel_account" TEXT NOT NULL,
    "location_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "location_inbox_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "patch_test" (
    "id" UUID NOT NULL,
    "customer_id" UUID NOT NULL,
    "taken_at" TIMESTAMPTZ(3) NOT NULL,
    "product" TEXT NOT NULL,
    "result" "PatchTestResult" NOT NULL,
    "notes_cipher" BYTEA,
    "recorded_by_staff_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "patch_test_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "treatment_record" (
    "id" UUID NOT NULL,
    "customer_id" UUID NOT NULL,
    "booking_id" UUID,
    "staff_id" UUID,
    "formula_cipher" BYTEA NOT NULL,
    "notes_cipher" BYTEA,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "treatment_record_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "treatment_photo" (
    "id" UUID NOT NULL,
    "record_id" UUID NOT NULL,
    "kind" "TreatmentPhotoKind" NOT NULL,
    "storage_key" TEXT NOT NULL,
    "mime_type" TEXT NOT NULL,
    "bytes" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "treatment_photo_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "resource_location_id_kind_idx" ON "resource"("location_id", "kind");

-- CreateIndex
CREATE UNIQUE INDEX "resource_location_id_name_key" ON "resource"("location_id", "name");

-- CreateIndex
CREATE INDEX "booking_resource_segment_resource_id_starts_at_idx" ON "booking_resource_segment"("resource_id", "starts_at");

-- CreateIndex
CREATE INDEX "booking_resource_segment_booking_id_idx" ON "booking_resource_segment"("booking_id");

-- CreateIndex
CREATE INDEX "staff_location_location_id_idx" ON "staff_location"("location_id");

-- CreateIndex
CREATE INDEX "location_inbox_location_id_idx" ON "location_inbox"("location_id");

-- CreateIndex
CREATE UNIQUE INDEX "location_inbox_channel_channel_account_location_id_key" ON "location_inbox"("channel", "channel_account", "location_id");

-- CreateIndex
CREATE INDEX "patch_test_customer_id_taken_at_idx" ON "patch_test"("customer_id", "taken_at");

-- CreateIndex
CREATE INDEX "treatment_record_customer_id_created_at_idx" ON "treatment_record"("customer_id", "created_at");

-- CreateIndex
CREATE INDEX "treatment_record_booking_id_idx" ON "treatment_record"("booking_id");

-- CreateIndex
CREATE UNIQUE INDEX "treatment_photo_storage_key_key" ON "treatment_photo"("storage_key");

-- CreateIndex
CREATE INDEX "treatment_photo_record_id_idx" ON "treatment_photo"("record_id");

-- CreateIndex
CREATE INDEX "conversation_location_id_updated_at_idx" ON "conversation"("location_id", "updated_at");

-- AddForeignKey
ALTER TABLE "staff_schedule_block" ADD CONSTRAINT "staff_schedule_block_location_id_fkey" FOREIGN KEY ("location_id") REFERENCES "location"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversation" ADD CONSTRAINT "conversation_location_id_fkey" FOREIGN KEY ("location_id") REFERENCES "location"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "resource" ADD CONSTRAINT "resource_location_id_fkey" FOREIGN KEY ("location_id") REFERENCES "location"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "service_resource_need" ADD CONSTRAINT "service_resource_need_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "service"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "booking_resource_segment" ADD CONSTRAINT "booking_resource_segment_booking_id_fkey" FOREIGN KEY ("booking_id") REFERENCES "booking"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "booking_resource_segment" ADD CONSTRAINT "booking_resource_segment_item_id_fkey" FOREIGN KEY ("item_id") REFERENCES "booking_item"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "booking_resource_segment" ADD CONSTRAINT "booking_resource_segment_resource_id_fkey" FOREIGN KEY ("resource_id") REFERENCES "resource"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "staff_location" ADD CONSTRAINT "staff_location_staff_id_fkey" FOREIGN KEY ("staff_id") REFERENCES "staff_member"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "staff_location" ADD CONSTRAINT "staff_location_location_id_fkey" FOREIGN KEY ("location_id") REFERENCES "location"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "location_inbox" ADD CONSTRAINT "location_inbox_location_id_fkey" FOREIGN KEY ("location_id") REFERENCES "location"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "patch_test" ADD CONSTRAINT "patch_test_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "patch_test" ADD CONSTRAINT "patch_test_recorded_by_staff_id_fkey" FOREIGN KEY ("recorded_by_staff_id") REFERENCES "staff_member"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "treatment_record" ADD CONSTRAINT "treatment_record_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "treatment_record" ADD CONSTRAINT "treatment_record_booking_id_fkey" FOREIGN KEY ("booking_id") REFERENCES "booking"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "treatment_record" ADD CONSTRAINT "treatment_record_staff_id_fkey" FOREIGN KEY ("staff_id") REFERENCES "staff_member"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "treatment_photo" ADD CONSTRAINT "treatment_photo_record_id_fkey" FOREIGN KEY ("record_id") REFERENCES "treatment_record"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ───────── Hand-written (prisma/EXTRAS.md): what the database refuses for issue #21 ─────────
-- The new tables start empty and the new columns start NULL or at sound defaults, so no pre-check.

-- Resources: two bookings can never hold one resource at once (as booking_segment_no_overlap guards
-- stylists); ranges are real and inside the stored window.
ALTER TABLE "booking_resource_segment" ADD CONSTRAINT "booking_resource_segment_no_overlap"
  EXCLUDE USING gist ("resource_id" WITH =, tstzrange("starts_at", "ends_at", '[)') WITH &&) WHERE ("active");
ALTER TABLE "booking_resource_segment" ADD CONSTRAINT "booking_resource_segment_sane_range" CHECK (
  "ends_at" > "starts_at" AND "starts_at" >= '2000-01-01 UTC' AND "ends_at" < '2100-01-01 UTC');
ALTER TABLE "resource" ADD CONSTRAINT "resource_kind_slug" CHECK ("kind" ~ '^[a-z][a-z0-9_]{0,39}$');
ALTER TABLE "service_resource_need" ADD CONSTRAINT "service_resource_need_kind_slug" CHECK ("kind" ~ '^[a-z][a-z0-9_]{0,39}$');

-- Patch tests: the service's limits are sane; a test's date lies in the stored window.
ALTER TABLE "service" ADD CONSTRAINT "service_patch_test_limits" CHECK (
  "patch_test_min_hours" BETWEEN 0 AND 8760 AND "patch_test_max_months" BETWEEN 1 AND 120);
ALTER TABLE "patch_test" ADD CONSTRAINT "patch_test_sane_time" CHECK (
  "taken_at" >= '2000-01-01 UTC' AND "taken_at" < '2100-01-01 UTC');

-- Treatment photos: a real size.
ALTER TABLE "treatment_photo" ADD CONSTRAINT "treatment_photo_bytes" CHECK ("bytes" > 0 AND "bytes" <= 20971520);
