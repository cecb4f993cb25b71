import { describe, expect, it } from "vitest";
import { z } from "zod";
import { loginInput } from "./auth.ts";
import { availabilityInput, bookingSearchInput, createBookingInput, notesInput } from "./bookings.ts";
import { changesSyncInput } from "./changes.ts";
import { calendarDate, dateRange, instant, int, line, list, rowVersion, text } from "./input.ts";

const ok = (s: z.ZodType, v: unknown) => s.safeParse(v).success;
const issues = (s: z.ZodType, v: unknown) =>
  s.safeParse(v).error?.issues.map((i) => `${i.path.join(".") || "_"}: ${i.message}`) ?? [];

describe("input contract primitives", () => {
  it("calendarDate: real dates from 2000 to 2099 only", () => {
    for (const d of ["2026-03-10", "2024-02-29", "2000-02-29", "2000-01-01", "2099-12-31"])
      expect(ok(calendarDate, d)).toBe(true);
    for (const d of ["9999-99-99", "2026-02-30", "2026-02-29", "2100-02-29", "2026-13-01", "2026-04-31", "0000-01-01"])
      expect(ok(calendarDate, d)).toBe(false);
    for (const d of ["1999-12-31", "2100-01-01", "9999-12-31", "2026-3-1", "2026-03-10T00:00:00Z", " 2026-03-10"])
      expect(ok(calendarDate, d)).toBe(false);
  });

  it("instant: an ISO instant with an offset, inside 2000-01-01 .. 2100-01-01", () => {
    for (const v of [
      "2026-03-10T09:00:00Z",
      "2026-03-10T09:00:00.123+01:00",
      "2000-01-01T00:00:00Z",
      "2099-12-31T23:59:59Z",
    ])
      expect(ok(instant, v)).toBe(true);
    for (const v of [
      "9999-12-31T23:59:59Z",
      "0000-01-01T00:00:00Z",
      "1970-01-01T00:00:00Z",
      "1999-12-31T23:59:59Z",
      "2100-01-01T00:00:00Z",
      "2000-01-01T00:30:00+01:00", // 1999-12-31T23:30Z
      "2099-12-31T23:30:00-01:00", // 2100-01-01T00:30Z
      "2026-03-10T09:00:00", // no offset
      "2026-02-30T10:00:00Z",
    ])
      expect(ok(instant, v)).toBe(false);
    // One message per mistake.
    expect(issues(instant, "9999-12-31T23:59:59Z")).toEqual(["_: must be between 2000-01-01 and 2100-01-01"]);
  });

  it("text and line: bounded, no NUL or control characters, no lone surrogates", () => {
    const t = text(10);
    expect(ok(t, "a\tb\nc")).toBe(true);
    expect(ok(t, "💇‍♀️ Ana")).toBe(true);
    for (const bad of ["a\u0000b", "\u0001", "\u001b[31m", "\u007f", "\u0085", "x\ud800", "\udfffx", "a\rb"])
      expect(ok(t, bad)).toBe(false);
    expect(ok(t, "x".repeat(11))).toBe(false);
    const l = line(10, { trim: true, min: 1, empty: "Name cannot be empty" });
    expect(ok(l, "a\tb")).toBe(false);
    expect(ok(l, "a\nb")).toBe(false);
    expect(issues(l, "   ")).toEqual(["_: Name cannot be empty"]);
    // A bound or a character check keeps zod's issue codes (the console's Spanish rendering reads them).
    expect(l.safeParse("a\u0000").error?.issues[0]).toMatchObject({ code: "invalid_format", format: "regex" });
  });

  it("numbers and lists are bounded", () => {
    expect(ok(int(1, 5), 5)).toBe(true);
    for (const bad of [0, 6, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "3"]) expect(ok(int(1, 5), bad)).toBe(false);
    expect(ok(rowVersion, 2_147_483_647)).toBe(true);
    expect(ok(rowVersion, 2_147_483_648)).toBe(false);
    expect(ok(rowVersion, 9_007_199_254_740_991)).toBe(false);
    expect(ok(list(z.number(), 2, 1), [])).toBe(false);
    expect(ok(list(z.number(), 2, 1), [1, 2, 3])).toBe(false);
  });

  it("dateRange: in order and at most N days, only once both ends are valid", () => {
    const s = z
      .object({ from: calendarDate.optional(), to: calendarDate.optional() })
      .superRefine(dateRange({ from: "from", to: "to", maxDays: 7 }));
    expect(ok(s, { from: "2026-03-01", to: "2026-03-07" })).toBe(true);
    expect(ok(s, { from: "2026-03-01" })).toBe(true);
    expect(issues(s, { from: "2026-03-02", to: "2026-03-01" })).toEqual(["to: must not be before from"]);
    expect(issues(s, { from: "2026-03-01", to: "2026-03-08" })).toEqual(["to: a range covers at most 7 days"]);
    expect(issues(s, { from: "2026-02-30", to: "2026-03-01" })).toEqual([
      "from: must be a real date as YYYY-MM-DD, from 2000-01-01 to 2099-12-31",
    ]);
  });
});

describe("the schemas use them", () => {
  const id = "00000000-0000-4000-8000-000000000001";

  it("refuses 9999-99-99 and 9999 ranges in searches", () => {
    expect(issues(bookingSearchInput, { fromDate: "9999-99-99" })).toEqual([
      "fromDate: must be a real date as YYYY-MM-DD, from 2000-01-01 to 2099-12-31",
    ]);
    expect(issues(bookingSearchInput, { fromDate: "2026-01-01", toDate: "2099-12-31" })).toEqual([
      "toDate: a range covers at most 366 days",
    ]);
    const items = [{ serviceId: id, staffId: null }];
    expect(ok(availabilityInput, { items, fromDate: "9999-99-99", toDate: "9999-99-99" })).toBe(false);
    expect(issues(availabilityInput, { items, fromDate: "2026-03-12", toDate: "2026-03-10" })).toEqual([
      "toDate: fromDate must not be after toDate",
    ]);
  });

  it("refuses year 0000 and 9999 booking starts, and NUL in notes, names and e-mails", () => {
    const base = { customerId: id, items: [{ serviceId: id, staffId: id }], allowOutsideHours: true };
    expect(ok(createBookingInput, { ...base, startsAt: "2026-03-10T10:00:00Z" })).toBe(true);
    expect(ok(createBookingInput, { ...base, startsAt: "9999-12-31T23:59:59Z" })).toBe(false);
    expect(ok(createBookingInput, { ...base, startsAt: "0000-01-01T10:00:00Z" })).toBe(false);
    expect(ok(createBookingInput, { ...base, startsAt: "2026-03-10T10:00:00Z", notes: "a\u0000b" })).toBe(false);
    expect(ok(createBookingInput, { ...base, startsAt: "2026-03-10T10:00:00Z", guestName: "Ana\u0000" })).toBe(false);
    expect(ok(notesInput, { id, notes: "línea 1\nlínea 2\ttab" })).toBe(true);
    expect(ok(notesInput, { id, notes: "\u0000" })).toBe(false);
    expect(issues(loginInput, { email: "owner@cita.demo\u0000", password: "x" })).toEqual([
      "email: must be one line without control characters",
    ]);
  });

  it("refuses change-log versions beyond int8", () => {
    expect(ok(changesSyncInput, { cursor: "9223372036854775807" })).toBe(true);
    expect(ok(changesSyncInput, { cursor: "9223372036854775808" })).toBe(false);
    expect(ok(changesSyncInput, { cursor: "9999999999999999999" })).toBe(false);
  });
});
