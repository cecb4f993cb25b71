-- AlterTable
ALTER TABLE "location" ADD COLUMN     "follow_up_minutes" INTEGER DEFAULT 120,
ADD COLUMN     "reminder_offsets_minutes" INTEGER[] DEFAULT ARRAY[1440, 120]::INTEGER[];
