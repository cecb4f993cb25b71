-- CreateTable
CREATE TABLE "reminder_sent" (
    "booking_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "sent_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reminder_sent_pkey" PRIMARY KEY ("booking_id","kind")
);

-- CreateTable
CREATE TABLE "calendar_event" (
    "item_id" UUID NOT NULL,
    "booking_id" UUID NOT NULL,
    "staff_id" UUID NOT NULL,
    "calendar_id" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3) NOT NULL,
    "wanted" BOOLEAN NOT NULL,
    "written" BOOLEAN NOT NULL DEFAULT false,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "calendar_event_pkey" PRIMARY KEY ("item_id")
);

-- CreateTable
CREATE TABLE "job_cursor" (
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "job_cursor_pkey" PRIMARY KEY ("name")
);

-- CreateIndex
CREATE INDEX "calendar_event_written_staff_id_idx" ON "calendar_event"("written", "staff_id");

-- CreateIndex
CREATE INDEX "calendar_event_booking_id_idx" ON "calendar_event"("booking_id");
