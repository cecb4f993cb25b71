-- Settings → Integrations: credentials and settings an owner enters in the console, encrypted with
-- the data key (issue #17 item 3). Only the hint is ever shown; the environment wins over a row.
-- CreateTable
CREATE TABLE "integration_setting" (
    "key" TEXT NOT NULL,
    "cipher" BYTEA NOT NULL,
    "hint" TEXT NOT NULL,
    "updated_by_staff_id" UUID,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "integration_setting_pkey" PRIMARY KEY ("key")
);
