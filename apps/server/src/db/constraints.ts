// What the database itself refuses (hand-written CHECK constraints: prisma/EXTRAS.md, migration
// 20261207042102_sane_ranges). Domain code checks the same window first for a clear BAD_INPUT.

/**
 * Stored instants of bookings, their items and segments, time off and payments lie in [from, to):
 * the input contract's INPUT_WINDOW (packages/shared/src/input.ts; constraints.test.ts checks they agree).
 */
export const STORED_TIME_WINDOW = {
  from: new Date("2000-01-01T00:00:00Z"),
  to: new Date("2100-01-01T00:00:00Z"),
} as const;

/** True when start < end and both lie inside STORED_TIME_WINDOW (end may not reach `to`). */
export function inStoredTimeWindow(start: Date, end: Date): boolean {
  return (
    start.getTime() < end.getTime() &&
    start.getTime() >= STORED_TIME_WINDOW.from.getTime() &&
    end.getTime() < STORED_TIME_WINDOW.to.getTime()
  );
}

/** The CHECK constraints the migrations add, by table (the migration test asserts each one). */
export const CHECK_CONSTRAINTS = {
  booking: ["booking_positive_range", "booking_sane_range", "booking_money_non_negative", "booking_series_index"],
  booking_item: ["booking_item_positive_range", "booking_item_sane_range", "booking_item_price_non_negative"],
  booking_segment: ["booking_segment_positive_range", "booking_segment_sane_range"],
  staff_time_off: ["staff_time_off_positive_range", "staff_time_off_sane_range"],
  payment: ["payment_amount_non_negative", "payment_sane_times"],
  refund: ["refund_amount_non_negative"],
  service: ["service_money_non_negative", "service_patch_test_limits"],
  staff_service: ["staff_service_price_non_negative"],
  // issue #20 (migration 20261207172401_waitlist_series_groups)
  waitlist_wish: ["waitlist_wish_sane_dates", "waitlist_wish_day_parts", "waitlist_wish_offers_non_negative"],
  waitlist_wish_service: ["waitlist_wish_service_position"],
  waitlist_offer: ["waitlist_offer_sane_range", "waitlist_offer_held_has_send_at"],
  location: ["location_waitlist_settings", "location_series_offer_weeks"],
  booking_series: ["booking_series_rule"],
  // issue #21 (migration 20261207204516_salon_craft)
  booking_resource_segment: ["booking_resource_segment_sane_range"],
  resource: ["resource_kind_slug"],
  service_resource_need: ["service_resource_need_kind_slug"],
  patch_test: ["patch_test_sane_time"],
  treatment_photo: ["treatment_photo_bytes"],
} as const;
