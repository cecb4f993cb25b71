-- AlterTable
ALTER TABLE "calendar_connection" ADD COLUMN     "channel_resource_id" TEXT;
