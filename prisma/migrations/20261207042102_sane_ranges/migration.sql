-- Created by `pnpm db:diff sane_ranges --empty` (schema.prisma is unchanged, so the engine's part is
-- empty). Everything below is hand-written, because Prisma's schema language cannot express CHECK
-- constraints; see prisma/EXTRAS.md.

-- The database refuses what the input contract refuses: instants outside 2000-01-01 .. 2100-01-01
-- (a booking "ending in year 10000" broke every later read), ranges that end before they start,
-- and negative money. One list drives both the pre-check and the constraints, so they cannot
-- disagree. `key` names a row in the error message (the primary key).
--
-- If rows already break a rule, nothing is changed and the migration stops with one message that
-- names every such rule, how many rows break it, and (up to 20 of) their keys. Fix or delete those
-- rows, mark this migration rolled back (`prisma migrate resolve --rolled-back 20261207042102_sane_ranges`,
-- or UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name =
-- '20261207042102_sane_ranges' AND finished_at IS NULL), and start again.
DO $migration$
DECLARE
  -- {table, key, constraint, expression}
  rules text[] := ARRAY[
    ARRAY['booking', 'id', 'booking_sane_range',
      'starts_at >= TIMESTAMPTZ ''2000-01-01 00:00:00+00'' AND ends_at < TIMESTAMPTZ ''2100-01-01 00:00:00+00''
       AND (hold_expires_at IS NULL OR (hold_expires_at >= TIMESTAMPTZ ''2000-01-01 00:00:00+00'' AND hold_expires_at < TIMESTAMPTZ ''2100-01-01 00:00:00+00''))'],
    ARRAY['booking', 'id', 'booking_money_non_negative', 'total_price_cents >= 0 AND deposit_cents >= 0'],
    ARRAY['booking_item', 'id', 'booking_item_positive_range', 'ends_at > starts_at'],
    ARRAY['booking_item', 'id', 'booking_item_sane_range',
      'starts_at >= TIMESTAMPTZ ''2000-01-01 00:00:00+00'' AND ends_at < TIMESTAMPTZ ''2100-01-01 00:00:00+00'''],
    ARRAY['booking_item', 'id', 'booking_item_price_non_negative', 'price_cents >= 0'],
    ARRAY['booking_segment', 'id', 'booking_segment_sane_range',
      'starts_at >= TIMESTAMPTZ ''2000-01-01 00:00:00+00'' AND ends_at < TIMESTAMPTZ ''2100-01-01 00:00:00+00'''],
    ARRAY['staff_time_off', 'id', 'staff_time_off_positive_range', 'ends_at > starts_at'],
    ARRAY['staff_time_off', 'id', 'staff_time_off_sane_range',
      'starts_at >= TIMESTAMPTZ ''2000-01-01 00:00:00+00'' AND ends_at < TIMESTAMPTZ ''2100-01-01 00:00:00+00'''],
    ARRAY['payment', 'id', 'payment_amount_non_negative', 'amount_cents >= 0'],
    ARRAY['payment', 'id', 'payment_sane_times',
      '(expires_at IS NULL OR (expires_at >= TIMESTAMPTZ ''2000-01-01 00:00:00+00'' AND expires_at < TIMESTAMPTZ ''2100-01-01 00:00:00+00''))
       AND (paid_at IS NULL OR (paid_at >= TIMESTAMPTZ ''2000-01-01 00:00:00+00'' AND paid_at < TIMESTAMPTZ ''2100-01-01 00:00:00+00''))'],
    ARRAY['refund', 'id', 'refund_amount_non_negative', 'amount_cents >= 0'],
    ARRAY['service', 'id', 'service_money_non_negative', 'price_cents >= 0 AND deposit_value >= 0'],
    ARRAY['staff_service', 'staff_id || ''/'' || service_id', 'staff_service_price_non_negative', 'price_cents >= 0']
  ];
  rule text[];
  offenders text;
  offending_rows bigint;
  report text := '';
BEGIN
  -- 1. Rows that already break a rule. `NOT (expr)` is NULL, so not counted, exactly where CHECK
  --    passes (a NULL column).
  FOREACH rule SLICE 1 IN ARRAY rules LOOP
    EXECUTE format(
      'SELECT count(*), string_agg(k, '', '' ORDER BY k) FILTER (WHERE n <= 20)
         FROM (SELECT (%1$s)::text AS k, row_number() OVER (ORDER BY %1$s) AS n FROM %2$I WHERE NOT (%3$s)) bad',
      rule[2], rule[1], rule[4])
      INTO offending_rows, offenders;
    IF offending_rows > 0 THEN
      report := report || format(E'\n  %s (%s): %s row(s): %s%s', rule[1], rule[3], offending_rows, offenders,
        CASE WHEN offending_rows > 20 THEN ', ...' ELSE '' END);
    END IF;
  END LOOP;
  IF report <> '' THEN
    RAISE EXCEPTION 'cita: existing rows break the new CHECK constraints, so nothing was changed:%', report
      USING HINT = 'Fix or delete these rows, mark migration 20261207042102_sane_ranges rolled back, and start again.';
  END IF;

  -- 2. The constraints.
  FOREACH rule SLICE 1 IN ARRAY rules LOOP
    EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (%s)', rule[1], rule[3], rule[4]);
  END LOOP;
END
$migration$;
