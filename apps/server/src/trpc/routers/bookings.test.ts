import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSalonFixture, type SalonFixture } from "../../testing/fixtures.ts";
import { callerFor, testClock, testServices } from "../../testing/test-app.ts";
import { createTestDatabase, type TestDatabase } from "../../testing/test-db.ts";
import { localToUtc } from "../../time/zoned.ts";
import type { AppServices } from "../context.ts";

let t: TestDatabase;
let f: SalonFixture;
let services: AppServices;
const at = (date: string, h: number, m = 0) => localToUtc(date, h * 60 + m, "Europe/Madrid").toISOString();

beforeAll(async () => {
  t = await createTestDatabase();
  f = await createSalonFixture(t.db, t.fc);
  services = testServices(t, testClock("2026-03-09T09:00:00Z"));
});
afterAll(() => t.drop());

const desk = () => callerFor(services, { staffId: f.deskId, role: "front_desk", locationId: f.locationId });

describe("bookings and availability over tRPC", () => {
  it("offers availability, books it, finds it, previews and cancels it", async () => {
    const slots = await desk().availability.search({
      items: [{ serviceId: f.services.cut, staffId: null }],
      fromDate: "2026-03-10",
      toDate: "2026-03-10",
    });
    expect(slots[0]).toMatchObject({ localDate: "2026-03-10", localTime: "10:00" });
    const b = await desk().bookings.create({
      customerId: f.customers[0]!,
      startsAt: slots[0]!.start,
      items: slots[0]!.items.map((i) => ({ serviceId: i.serviceId, staffId: i.staffId })),
      idempotencyKey: "desk-click-0001",
    });
    expect(b.status).toBe("confirmed");
    const page = await desk().bookings.search({ fromDate: "2026-03-10", toDate: "2026-03-10", status: ["confirmed"] });
    expect(page.items.map((x) => x.id)).toEqual([b.id]);
    expect(await desk().bookings.previewCancel({ id: b.id })).toMatchObject({ rule: "no_deposit_paid" });
    const { booking } = await desk().bookings.cancel({
      id: b.id,
      by: "customer",
      reason: "cambio de planes",
      expectedVersion: b.version,
    });
    expect(booking.status).toBe("cancelled");
  });

  it("answers a taken slot with CONFLICT carrying SLOT_TAKEN and alternatives", async () => {
    const input = {
      customerId: f.customers[0]!,
      startsAt: at("2026-03-11", 12),
      items: [{ serviceId: f.services.cut, staffId: f.staff.carlos }],
    };
    await desk().bookings.create(input);
    const err = await desk()
      .bookings.create({ ...input, customerId: f.customers[1]! })
      .catch((e) => e);
    expect(err).toBeInstanceOf(TRPCError);
    expect(err.code).toBe("CONFLICT");
    expect(err.cause).toMatchObject({ code: "SLOT_TAKEN" });
  });

  it("validates input with clear messages", async () => {
    const err = await desk()
      .availability.search({
        items: [{ serviceId: f.services.cut, staffId: null }],
        fromDate: "2026-03-12",
        toDate: "2026-03-10",
      })
      .catch((e) => e);
    expect(err.code).toBe("BAD_REQUEST");
    expect(err.message).toContain("fromDate must not be after toDate");
  });

  it("shows a stylist only their own bookings, and not the whole calendar", async () => {
    const laura = callerFor(services, { staffId: f.staff.laura, role: "stylist", locationId: f.locationId });
    await desk().bookings.create({
      customerId: f.customers[2]!,
      startsAt: at("2026-03-12", 10),
      items: [{ serviceId: f.services.cut, staffId: f.staff.laura }],
    });
    await desk().bookings.create({
      customerId: f.customers[2]!,
      startsAt: at("2026-03-12", 10),
      items: [{ serviceId: f.services.cut, staffId: f.staff.carlos }],
    });
    const mine = await laura.bookings.mine({ fromDate: "2026-03-12", toDate: "2026-03-12" });
    expect(mine.items.map((b) => b.items[0]!.staffName)).toEqual(["Laura"]);
    await expect(laura.bookings.search({})).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
