-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "StaffRole" AS ENUM ('owner', 'manager', 'front_desk', 'stylist');

-- CreateEnum
CREATE TYPE "ScheduleBlockKind" AS ENUM ('work', 'break');

-- CreateEnum
CREATE TYPE "DateOverrideKind" AS ENUM ('off', 'custom_hours');

-- CreateEnum
CREATE TYPE "DepositRule" AS ENUM ('none', 'fixed', 'percent');

-- CreateEnum
CREATE TYPE "BookingStatus" AS ENUM ('held', 'pending_deposit', 'confirmed', 'checked_in', 'completed', 'no_show', 'cancelled', 'expired');

-- CreateEnum
CREATE TYPE "BookingSource" AS ENUM ('whatsapp', 'console', 'sandbox');

-- CreateEnum
CREATE TYPE "CancelledBy" AS ENUM ('customer', 'staff', 'system');

-- CreateEnum
CREATE TYPE "SegmentKind" AS ENUM ('buffer_before', 'application', 'finishing', 'buffer_after');

-- CreateEnum
CREATE TYPE "PaymentStatus" AS ENUM ('pending', 'paid', 'expired', 'failed', 'refunded', 'partially_refunded');

-- CreateEnum
CREATE TYPE "RefundStatus" AS ENUM ('pending', 'succeeded', 'failed');

-- CreateEnum
CREATE TYPE "Channel" AS ENUM ('chatwoot', 'whatsapp_cloud', 'sandbox');

-- CreateEnum
CREATE TYPE "ConversationMode" AS ENUM ('bot', 'human');

-- CreateEnum
CREATE TYPE "MessageDirection" AS ENUM ('inbound', 'outbound');

-- CreateEnum
CREATE TYPE "MessageAuthor" AS ENUM ('customer', 'bot', 'staff', 'system');

-- CreateEnum
CREATE TYPE "MessageKind" AS ENUM ('text', 'image', 'audio', 'interactive', 'template', 'note');

-- CreateEnum
CREATE TYPE "DeliveryStatus" AS ENUM ('received', 'pending', 'sent', 'delivered', 'read', 'failed');

-- CreateEnum
CREATE TYPE "WebhookSource" AS ENUM ('chatwoot', 'whatsapp_cloud', 'stripe', 'google_calendar', 'sandbox');

-- CreateEnum
CREATE TYPE "WebhookStatus" AS ENUM ('received', 'processing', 'processed', 'ignored', 'failed');

-- CreateEnum
CREATE TYPE "OutboxStatus" AS ENUM ('pending', 'sending', 'sent', 'failed', 'dead');

-- CreateEnum
CREATE TYPE "ActorType" AS ENUM ('staff', 'customer', 'agent', 'job', 'system');

-- CreateEnum
CREATE TYPE "ChangeOp" AS ENUM ('upsert', 'delete');

-- CreateEnum
CREATE TYPE "AgentTurnStatus" AS ENUM ('running', 'completed', 'failed');

-- CreateTable
CREATE TABLE "location" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "address_line" TEXT NOT NULL,
    "city" TEXT NOT NULL,
    "postal_code" TEXT NOT NULL,
    "country" CHAR(2) NOT NULL,
    "phone" TEXT,
    "time_zone" TEXT NOT NULL,
    "currency" CHAR(3) NOT NULL DEFAULT 'EUR',
    "default_language" TEXT NOT NULL DEFAULT 'es',
    "slot_step_minutes" INTEGER NOT NULL DEFAULT 15,
    "min_notice_minutes" INTEGER NOT NULL DEFAULT 60,
    "horizon_days" INTEGER NOT NULL DEFAULT 60,
    "hold_minutes" INTEGER NOT NULL DEFAULT 30,
    "cancellation_window_hours" INTEGER NOT NULL DEFAULT 24,
    "late_cancel_keeps_deposit" BOOLEAN NOT NULL DEFAULT true,
    "no_show_keeps_deposit" BOOLEAN NOT NULL DEFAULT true,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "location_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "location_hours" (
    "id" UUID NOT NULL,
    "location_id" UUID NOT NULL,
    "weekday" INTEGER NOT NULL,
    "start_minute" INTEGER NOT NULL,
    "end_minute" INTEGER NOT NULL,

    CONSTRAINT "location_hours_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "location_closure" (
    "id" UUID NOT NULL,
    "location_id" UUID NOT NULL,
    "date" DATE NOT NULL,
    "reason" TEXT NOT NULL,

    CONSTRAINT "location_closure_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "staff_member" (
    "id" UUID NOT NULL,
    "location_id" UUID NOT NULL,
    "display_name" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "role" "StaffRole" NOT NULL,
    "password_hash" TEXT,
    "bookable" BOOLEAN NOT NULL DEFAULT true,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "disabled_at" TIMESTAMPTZ(3),
    "calendar_id" TEXT,
    "color" TEXT NOT NULL DEFAULT '#6366f1',
    "language" TEXT NOT NULL DEFAULT 'es',
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "staff_member_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "service" (
    "id" UUID NOT NULL,
    "location_id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "name_es" TEXT NOT NULL,
    "name_en" TEXT NOT NULL,
    "description_es" TEXT,
    "description_en" TEXT,
    "category" TEXT NOT NULL,
    "duration_minutes" INTEGER NOT NULL,
    "processing_minutes" INTEGER NOT NULL DEFAULT 0,
    "finishing_minutes" INTEGER NOT NULL DEFAULT 0,
    "buffer_before_minutes" INTEGER NOT NULL DEFAULT 0,
    "buffer_after_minutes" INTEGER NOT NULL DEFAULT 0,
    "price_cents" INTEGER NOT NULL,
    "deposit_rule" "DepositRule" NOT NULL DEFAULT 'none',
    "deposit_value" INTEGER NOT NULL DEFAULT 0,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "sort_order" INTEGER NOT NULL DEFAULT 0,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "service_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "staff_service" (
    "staff_id" UUID NOT NULL,
    "service_id" UUID NOT NULL,
    "duration_minutes" INTEGER,
    "processing_minutes" INTEGER,
    "finishing_minutes" INTEGER,
    "price_cents" INTEGER,

    CONSTRAINT "staff_service_pkey" PRIMARY KEY ("staff_id","service_id")
);

-- CreateTable
CREATE TABLE "staff_schedule_block" (
    "id" UUID NOT NULL,
    "staff_id" UUID NOT NULL,
    "weekday" INTEGER NOT NULL,
    "kind" "ScheduleBlockKind" NOT NULL,
    "start_minute" INTEGER NOT NULL,
    "end_minute" INTEGER NOT NULL,

    CONSTRAINT "staff_schedule_block_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "staff_date_override" (
    "id" UUID NOT NULL,
    "staff_id" UUID NOT NULL,
    "date" DATE NOT NULL,
    "kind" "DateOverrideKind" NOT NULL,
    "start_minute" INTEGER,
    "end_minute" INTEGER,

    CONSTRAINT "staff_date_override_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "staff_time_off" (
    "id" UUID NOT NULL,
    "staff_id" UUID NOT NULL,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3) NOT NULL,
    "reason" TEXT,

    CONSTRAINT "staff_time_off_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "calendar_connection" (
    "staff_id" UUID NOT NULL,
    "calendar_id" TEXT NOT NULL,
    "sync_token" TEXT,
    "channel_id" TEXT,
    "channel_token_hash" TEXT,
    "channel_expires_at" TIMESTAMPTZ(3),
    "last_synced_at" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "failing_since" TIMESTAMPTZ(3),

    CONSTRAINT "calendar_connection_pkey" PRIMARY KEY ("staff_id")
);

-- CreateTable
CREATE TABLE "external_busy" (
    "id" UUID NOT NULL,
    "staff_id" UUID NOT NULL,
    "source" TEXT NOT NULL,
    "external_id" TEXT NOT NULL,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3) NOT NULL,
    "all_day" BOOLEAN NOT NULL DEFAULT false,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "external_busy_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "customer" (
    "id" UUID NOT NULL,
    "phone_cipher" BYTEA,
    "phone_hash" BYTEA,
    "name_cipher" BYTEA,
    "notes_cipher" BYTEA,
    "language" TEXT NOT NULL DEFAULT 'es',
    "marketing_consent" BOOLEAN NOT NULL DEFAULT false,
    "consent_at" TIMESTAMPTZ(3),
    "no_show_count" INTEGER NOT NULL DEFAULT 0,
    "merged_into_id" UUID,
    "erased_at" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "customer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "booking" (
    "id" UUID NOT NULL,
    "location_id" UUID NOT NULL,
    "customer_id" UUID NOT NULL,
    "guest_name_cipher" BYTEA,
    "status" "BookingStatus" NOT NULL,
    "source" "BookingSource" NOT NULL,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3) NOT NULL,
    "hold_expires_at" TIMESTAMPTZ(3),
    "total_price_cents" INTEGER NOT NULL,
    "deposit_cents" INTEGER NOT NULL DEFAULT 0,
    "currency" CHAR(3) NOT NULL,
    "notes" TEXT,
    "cancelled_at" TIMESTAMPTZ(3),
    "cancelled_by" "CancelledBy",
    "cancel_reason" TEXT,
    "rescheduled_from_id" UUID,
    "conversation_id" UUID,
    "created_by_staff_id" UUID,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "booking_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "booking_item" (
    "id" UUID NOT NULL,
    "booking_id" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "service_id" UUID NOT NULL,
    "staff_id" UUID NOT NULL,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3) NOT NULL,
    "duration_minutes" INTEGER NOT NULL,
    "processing_minutes" INTEGER NOT NULL DEFAULT 0,
    "finishing_minutes" INTEGER NOT NULL DEFAULT 0,
    "price_cents" INTEGER NOT NULL,

    CONSTRAINT "booking_item_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "booking_segment" (
    "id" UUID NOT NULL,
    "booking_id" UUID NOT NULL,
    "item_id" UUID NOT NULL,
    "staff_id" UUID NOT NULL,
    "kind" "SegmentKind" NOT NULL,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3) NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,

    CONSTRAINT "booking_segment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "payment" (
    "id" UUID NOT NULL,
    "booking_id" UUID NOT NULL,
    "provider" TEXT NOT NULL DEFAULT 'stripe',
    "amount_cents" INTEGER NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "status" "PaymentStatus" NOT NULL,
    "checkout_session_id" TEXT,
    "payment_intent_id" TEXT,
    "checkout_url" TEXT,
    "expires_at" TIMESTAMPTZ(3),
    "paid_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "payment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "refund" (
    "id" UUID NOT NULL,
    "payment_id" UUID NOT NULL,
    "amount_cents" INTEGER NOT NULL,
    "status" "RefundStatus" NOT NULL,
    "provider_refund_id" TEXT,
    "idempotency_key" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "created_by_staff_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "refund_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "conversation" (
    "id" UUID NOT NULL,
    "customer_id" UUID NOT NULL,
    "channel" "Channel" NOT NULL,
    "channel_account" TEXT NOT NULL,
    "external_id" TEXT NOT NULL,
    "mode" "ConversationMode" NOT NULL DEFAULT 'bot',
    "assigned_staff_id" UUID,
    "escalated_at" TIMESTAMPTZ(3),
    "escalation_reason" TEXT,
    "escalation_summary" TEXT,
    "hand_back_note" TEXT,
    "last_customer_message_at" TIMESTAMPTZ(3),
    "lease_owner" TEXT,
    "lease_expires_at" TIMESTAMPTZ(3),
    "agent_mode" TEXT,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "conversation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "message" (
    "id" UUID NOT NULL,
    "conversation_id" UUID NOT NULL,
    "direction" "MessageDirection" NOT NULL,
    "author" "MessageAuthor" NOT NULL,
    "staff_id" UUID,
    "kind" "MessageKind" NOT NULL,
    "body" TEXT,
    "attachments" JSONB,
    "choices" JSONB,
    "external_id" TEXT,
    "delivery_status" "DeliveryStatus" NOT NULL,
    "failure_reason" TEXT,
    "turn_id" UUID,
    "sent_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "message_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_event" (
    "id" UUID NOT NULL,
    "source" "WebhookSource" NOT NULL,
    "dedup_key" TEXT NOT NULL,
    "headers" JSONB NOT NULL,
    "raw_body" TEXT NOT NULL,
    "status" "WebhookStatus" NOT NULL DEFAULT 'received',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processed_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbox_message" (
    "id" UUID NOT NULL,
    "conversation_id" UUID NOT NULL,
    "message_id" UUID,
    "channel" "Channel" NOT NULL,
    "payload" JSONB NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "status" "OutboxStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_error" TEXT,
    "external_id" TEXT,
    "sent_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "outbox_message_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agent_turn" (
    "id" UUID NOT NULL,
    "conversation_id" UUID NOT NULL,
    "mode" TEXT NOT NULL,
    "status" "AgentTurnStatus" NOT NULL DEFAULT 'running',
    "transcript" JSONB NOT NULL DEFAULT '[]',
    "error" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "agent_turn_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tool_call" (
    "tool_use_id" TEXT NOT NULL,
    "turn_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "input" JSONB NOT NULL,
    "result" JSONB,
    "is_error" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "tool_call_pkey" PRIMARY KEY ("tool_use_id")
);

-- CreateTable
CREATE TABLE "staff_session" (
    "id" UUID NOT NULL,
    "staff_id" UUID NOT NULL,
    "family_id" UUID NOT NULL,
    "refresh_token_hash" BYTEA NOT NULL,
    "user_agent" TEXT,
    "ip_address" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "rotated_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "revoke_reason" TEXT,

    CONSTRAINT "staff_session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_log" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor_type" "ActorType" NOT NULL,
    "actor_id" TEXT,
    "action" TEXT NOT NULL,
    "entity_type" TEXT NOT NULL,
    "entity_id" TEXT NOT NULL,
    "location_id" UUID,
    "data" JSONB,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "change_log" (
    "version" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "entity_type" TEXT NOT NULL,
    "entity_id" TEXT NOT NULL,
    "op" "ChangeOp" NOT NULL,
    "location_id" UUID,
    "data" JSONB,

    CONSTRAINT "change_log_pkey" PRIMARY KEY ("version")
);

-- CreateTable
CREATE TABLE "idempotency_record" (
    "key" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "response" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "idempotency_record_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "integration_status" (
    "kind" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "healthy" BOOLEAN NOT NULL DEFAULT true,
    "last_error" TEXT,
    "last_error_at" TIMESTAMPTZ(3),
    "last_ok_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "integration_status_pkey" PRIMARY KEY ("kind")
);

-- CreateTable
CREATE TABLE "encryption_key_state" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "fingerprint" TEXT NOT NULL,
    "rotated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "encryption_key_state_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "location_slug_key" ON "location"("slug");

-- CreateIndex
CREATE INDEX "location_hours_location_id_weekday_idx" ON "location_hours"("location_id", "weekday");

-- CreateIndex
CREATE UNIQUE INDEX "location_closure_location_id_date_key" ON "location_closure"("location_id", "date");

-- CreateIndex
CREATE UNIQUE INDEX "staff_member_email_key" ON "staff_member"("email");

-- CreateIndex
CREATE INDEX "staff_member_location_id_idx" ON "staff_member"("location_id");

-- CreateIndex
CREATE UNIQUE INDEX "service_location_id_slug_key" ON "service"("location_id", "slug");

-- CreateIndex
CREATE INDEX "staff_service_service_id_idx" ON "staff_service"("service_id");

-- CreateIndex
CREATE INDEX "staff_schedule_block_staff_id_weekday_idx" ON "staff_schedule_block"("staff_id", "weekday");

-- CreateIndex
CREATE INDEX "staff_date_override_staff_id_date_idx" ON "staff_date_override"("staff_id", "date");

-- CreateIndex
CREATE INDEX "staff_time_off_staff_id_starts_at_idx" ON "staff_time_off"("staff_id", "starts_at");

-- CreateIndex
CREATE UNIQUE INDEX "calendar_connection_channel_id_key" ON "calendar_connection"("channel_id");

-- CreateIndex
CREATE INDEX "external_busy_staff_id_starts_at_idx" ON "external_busy"("staff_id", "starts_at");

-- CreateIndex
CREATE UNIQUE INDEX "external_busy_staff_id_source_external_id_key" ON "external_busy"("staff_id", "source", "external_id");

-- CreateIndex
CREATE UNIQUE INDEX "customer_phone_hash_key" ON "customer"("phone_hash");

-- CreateIndex
CREATE UNIQUE INDEX "booking_rescheduled_from_id_key" ON "booking"("rescheduled_from_id");

-- CreateIndex
CREATE INDEX "booking_location_id_starts_at_idx" ON "booking"("location_id", "starts_at");

-- CreateIndex
CREATE INDEX "booking_customer_id_starts_at_idx" ON "booking"("customer_id", "starts_at");

-- CreateIndex
CREATE INDEX "booking_status_hold_expires_at_idx" ON "booking"("status", "hold_expires_at");

-- CreateIndex
CREATE INDEX "booking_updated_at_idx" ON "booking"("updated_at");

-- CreateIndex
CREATE INDEX "booking_item_staff_id_starts_at_idx" ON "booking_item"("staff_id", "starts_at");

-- CreateIndex
CREATE UNIQUE INDEX "booking_item_booking_id_position_key" ON "booking_item"("booking_id", "position");

-- CreateIndex
CREATE INDEX "booking_segment_staff_id_starts_at_idx" ON "booking_segment"("staff_id", "starts_at");

-- CreateIndex
CREATE INDEX "booking_segment_booking_id_idx" ON "booking_segment"("booking_id");

-- CreateIndex
CREATE UNIQUE INDEX "payment_checkout_session_id_key" ON "payment"("checkout_session_id");

-- CreateIndex
CREATE UNIQUE INDEX "payment_payment_intent_id_key" ON "payment"("payment_intent_id");

-- CreateIndex
CREATE INDEX "payment_booking_id_idx" ON "payment"("booking_id");

-- CreateIndex
CREATE UNIQUE INDEX "refund_provider_refund_id_key" ON "refund"("provider_refund_id");

-- CreateIndex
CREATE UNIQUE INDEX "refund_idempotency_key_key" ON "refund"("idempotency_key");

-- CreateIndex
CREATE INDEX "conversation_mode_updated_at_idx" ON "conversation"("mode", "updated_at");

-- CreateIndex
CREATE UNIQUE INDEX "conversation_channel_channel_account_external_id_key" ON "conversation"("channel", "channel_account", "external_id");

-- CreateIndex
CREATE INDEX "message_conversation_id_created_at_idx" ON "message"("conversation_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "message_conversation_id_external_id_key" ON "message"("conversation_id", "external_id");

-- CreateIndex
CREATE INDEX "webhook_event_status_received_at_idx" ON "webhook_event"("status", "received_at");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_event_source_dedup_key_key" ON "webhook_event"("source", "dedup_key");

-- CreateIndex
CREATE UNIQUE INDEX "outbox_message_message_id_key" ON "outbox_message"("message_id");

-- CreateIndex
CREATE UNIQUE INDEX "outbox_message_idempotency_key_key" ON "outbox_message"("idempotency_key");

-- CreateIndex
CREATE INDEX "outbox_message_status_next_attempt_at_idx" ON "outbox_message"("status", "next_attempt_at");

-- CreateIndex
CREATE INDEX "agent_turn_conversation_id_started_at_idx" ON "agent_turn"("conversation_id", "started_at");

-- CreateIndex
CREATE UNIQUE INDEX "staff_session_refresh_token_hash_key" ON "staff_session"("refresh_token_hash");

-- CreateIndex
CREATE INDEX "staff_session_staff_id_idx" ON "staff_session"("staff_id");

-- CreateIndex
CREATE INDEX "staff_session_family_id_idx" ON "staff_session"("family_id");

-- CreateIndex
CREATE INDEX "audit_log_entity_type_entity_id_idx" ON "audit_log"("entity_type", "entity_id");

-- CreateIndex
CREATE INDEX "audit_log_at_idx" ON "audit_log"("at");

-- CreateIndex
CREATE INDEX "change_log_entity_type_entity_id_idx" ON "change_log"("entity_type", "entity_id");

-- AddForeignKey
ALTER TABLE "location_hours" ADD CONSTRAINT "location_hours_location_id_fkey" FOREIGN KEY ("location_id") REFERENCES "location"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "location_closure" ADD CONSTRAINT "location_closure_location_id_fkey" FOREIGN KEY ("location_id") REFERENCES "location"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "staff_member" ADD CONSTRAINT "staff_member_location_id_fkey" FOREIGN KEY ("location_id") REFERENCES "location"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "service" ADD CONSTRAINT "service_location_id_fkey" FOREIGN KEY ("location_id") REFERENCES "location"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "staff_service" ADD CONSTRAINT "staff_service_staff_id_fkey" FOREIGN KEY ("staff_id") REFERENCES "staff_member"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "staff_service" ADD CONSTRAINT "staff_service_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "service"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "staff_schedule_block" ADD CONSTRAINT "staff_schedule_block_staff_id_fkey" FOREIGN KEY ("staff_id") REFERENCES "staff_member"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "staff_date_override" ADD CONSTRAINT "staff_date_override_staff_id_fkey" FOREIGN KEY ("staff_id") REFERENCES "staff_member"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "staff_time_off" ADD CONSTRAINT "staff_time_off_staff_id_fkey" FOREIGN KEY ("staff_id") REFERENCES "staff_member"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "calendar_connection" ADD CONSTRAINT "calendar_connection_staff_id_fkey" FOREIGN KEY ("staff_id") REFERENCES "staff_member"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "external_busy" ADD CONSTRAINT "external_busy_staff_id_fkey" FOREIGN KEY ("staff_id") REFERENCES "staff_member"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "booking" ADD CONSTRAINT "booking_location_id_fkey" FOREIGN KEY ("location_id") REFERENCES "location"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "booking" ADD CONSTRAINT "booking_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "booking" ADD CONSTRAINT "booking_rescheduled_from_id_fkey" FOREIGN KEY ("rescheduled_from_id") REFERENCES "booking"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "booking" ADD CONSTRAINT "booking_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversation"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "booking_item" ADD CONSTRAINT "booking_item_booking_id_fkey" FOREIGN KEY ("booking_id") REFERENCES "booking"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "booking_item" ADD CONSTRAINT "booking_item_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "service"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "booking_item" ADD CONSTRAINT "booking_item_staff_id_fkey" FOREIGN KEY ("staff_id") REFERENCES "staff_member"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "booking_segment" ADD CONSTRAINT "booking_segment_booking_id_fkey" FOREIGN KEY ("booking_id") REFERENCES "booking"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "booking_segment" ADD CONSTRAINT "booking_segment_item_id_fkey" FOREIGN KEY ("item_id") REFERENCES "booking_item"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "booking_segment" ADD CONSTRAINT "booking_segment_staff_id_fkey" FOREIGN KEY ("staff_id") REFERENCES "staff_member"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payment" ADD CONSTRAINT "payment_booking_id_fkey" FOREIGN KEY ("booking_id") REFERENCES "booking"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "refund" ADD CONSTRAINT "refund_payment_id_fkey" FOREIGN KEY ("payment_id") REFERENCES "payment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conversation" ADD CONSTRAINT "conversation_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "message" ADD CONSTRAINT "message_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "outbox_message" ADD CONSTRAINT "outbox_message_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agent_turn" ADD CONSTRAINT "agent_turn_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tool_call" ADD CONSTRAINT "tool_call_turn_id_fkey" FOREIGN KEY ("turn_id") REFERENCES "agent_turn"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "staff_session" ADD CONSTRAINT "staff_session_staff_id_fkey" FOREIGN KEY ("staff_id") REFERENCES "staff_member"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ─── Hand-written: what Prisma's schema language cannot express (see prisma/EXTRAS.md) ───

CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The guard against double booking: no stylist may have two overlapping active segments.
-- Half-open ranges, so 10:00–10:30 and 10:30–11:00 do not overlap.
ALTER TABLE "booking_segment" ADD CONSTRAINT "booking_segment_no_overlap"
  EXCLUDE USING gist ("staff_id" WITH =, tstzrange("starts_at", "ends_at", '[)') WITH &&) WHERE ("active");

ALTER TABLE "booking_segment" ADD CONSTRAINT "booking_segment_positive_range" CHECK ("ends_at" > "starts_at");
ALTER TABLE "booking" ADD CONSTRAINT "booking_positive_range" CHECK ("ends_at" > "starts_at");

-- Fuzzy service search in both languages ("balayage", "mechas", "manicura").
CREATE INDEX "service_name_trgm" ON "service" USING gin ((lower("name_es" || ' ' || "name_en")) gin_trgm_ops);
