// The waitlist over tRPC as the console calls it: roles, input contract (no 5xx), add / list / offer
// by hand / confirm / cancel, and the location's waitlist settings.
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eraseCustomer } from "../../customers/erase.ts";
import { exportCustomer } from "../../customers/export.ts";
import { mergeCustomers } from "../../customers/merge.ts";
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
  f = await createSalonFixture(t.db, t.fc, { customers: 4 });
  services = testServices(t, testClock("2026-03-09T09:00:00Z"));
});
afterAll(() => t.drop());

const as = (role: "front_desk" | "manager" | "stylist") =>
  callerFor(services, {
    staffId: role === "manager" ? f.managerId : role === "stylist" ? f.staff.laura : f.deskId,
    role,
    locationId: f.locationId,
  });
const codeOf = (e: unknown) => (e instanceof TRPCError ? e.code : String(e));

describe("waitlist over tRPC", () => {
  it("adds, lists, offers by hand, confirms and cancels", async () => {
    const wish = await as("front_desk").waitlist.add({
      customerId: f.customers[0]!,
      serviceIds: [f.services.colour],
      staffId: f.staff.laura,
      dateFrom: "2026-03-12",
      dateTo: "2026-03-13",
      dayParts: ["afternoon"],
      note: "mejor después de las 16:00",
    });
    expect(wish).toMatchObject({
      status: "waiting",
      source: "staff",
      staffName: "Laura",
      note: "mejor después de las 16:00",
    });
    const offer = await as("front_desk").waitlist.offer({
      wishId: wish.id,
      staffId: f.staff.laura,
      startsAt: at("2026-03-12", 16),
    });
    expect(offer.status).toBe("sent");
    const [listed] = await as("front_desk").waitlist.list({});
    expect(listed?.offers).toHaveLength(1);
    expect(listed?.offers[0]).toMatchObject({ byHand: true, status: "sent" });
    const accepted = await as("front_desk").waitlist.accept({ offerId: offer.offerId });
    expect(accepted.outcome).toBe("booked");
    const booking = await t.db.booking.findUniqueOrThrow({
      where: { id: accepted.outcome === "booked" ? accepted.bookingId : "" },
    });
    // Colour asks a deposit: booked like any desk booking, awaiting it.
    expect(booking.status).toBe("pending_deposit");
    expect(await as("front_desk").waitlist.list({ status: "booked" })).toHaveLength(1);
    // Reports count the slot as refilled from the waitlist.
    const report = await as("manager").reports.get({ from: "2026-03-12", to: "2026-03-12" });
    expect(report.refilledFromWaitlist).toBe(1);
    expect((await as("manager").reports.get({ from: "2026-03-13", to: "2026-03-13" })).refilledFromWaitlist).toBe(0);

    const other = await as("front_desk").waitlist.add({
      customerId: f.customers[1]!,
      serviceIds: [f.services.cut],
      dateFrom: "2026-03-12",
      dateTo: "2026-03-12",
      dayParts: ["morning"],
    });
    const cancelled = await as("front_desk").waitlist.cancel({ wishId: other.id, version: other.version });
    expect(cancelled.status).toBe("cancelled");
    expect(
      codeOf(
        await as("front_desk")
          .waitlist.cancel({ wishId: other.id })
          .catch((e) => e),
      ),
    ).toBe("PRECONDITION_FAILED");
  });

  it("refuses what it must, never with a 5xx", async () => {
    const desk = as("front_desk");
    const base = {
      customerId: f.customers[2]!,
      serviceIds: [f.services.cut],
      dateFrom: "2026-03-12",
      dateTo: "2026-03-12",
      dayParts: ["morning" as const],
    };
    const refused = async (p: Promise<unknown>) =>
      codeOf(
        await p.then(
          () => null,
          (e) => e,
        ),
      );
    expect(await refused(desk.waitlist.add({ ...base, dateTo: "2026-03-11" }))).toBe("BAD_REQUEST");
    expect(await refused(desk.waitlist.add({ ...base, dayParts: [] }))).toBe("BAD_REQUEST");
    expect(
      await refused(desk.waitlist.add({ ...base, serviceIds: [f.services.colour], staffId: f.staff.carlos })),
    ).toBe("BAD_REQUEST");
    expect(await refused(desk.waitlist.add({ ...base, dateFrom: "2026-03-01", dateTo: "2026-03-02" }))).toBe(
      "BAD_REQUEST",
    );
    expect(await refused(desk.waitlist.add({ ...base, dateFrom: "2099-12-30", dateTo: "2099-12-31" }))).toBe(
      "BAD_REQUEST",
    );
    expect(await refused(desk.waitlist.add({ ...base, customerId: "00000000-0000-4000-8000-000000000000" }))).toBe(
      "NOT_FOUND",
    );
    expect(await refused(desk.waitlist.add({ ...base, note: "a\u0000b" }))).toBe("BAD_REQUEST");
    expect(await refused(desk.waitlist.accept({ offerId: "00000000-0000-4000-8000-000000000000" }))).toBe("NOT_FOUND");
    const w = await desk.waitlist.add(base);
    // Not free: Laura does not work at 07:00.
    expect(
      await refused(desk.waitlist.offer({ wishId: w.id, staffId: f.staff.laura, startsAt: at("2026-03-12", 7) })),
    ).toBe("UNPROCESSABLE_CONTENT");
    expect(await refused(as("stylist").waitlist.list({}))).toBe("FORBIDDEN");
    expect(await refused(desk.waitlist.updateSettings({ enabled: false }))).toBe("FORBIDDEN");
  });

  it("keeps the waitlist settings (managers)", async () => {
    const before = await as("front_desk").waitlist.settings();
    expect(before).toMatchObject({ enabled: true, maxOffersPerWish: 3, quietStartMinute: 1260, quietEndMinute: 540 });
    const after = await as("manager").waitlist.updateSettings({
      maxOffersPerWish: 5,
      quietStartMinute: 1320,
      version: before.version,
    });
    expect(after).toMatchObject({ maxOffersPerWish: 5, quietStartMinute: 1320, version: before.version + 1 });
    expect(
      codeOf(
        await as("manager")
          .waitlist.updateSettings({ enabled: false, version: before.version })
          .catch((e) => e),
      ),
    ).toBe("CONFLICT");
  });
});

describe("a customer's waitlist wishes are personal data", () => {
  it("export includes them with their words; merge moves them; erase removes the words and ends them", async () => {
    const scope = {
      db: t.db,
      fc: t.fc,
      clock: services.clock,
      actor: { type: "staff" as const, id: f.managerId },
      role: "manager" as const,
      locationId: f.locationId,
    };
    const dup = await as("front_desk").waitlist.add({
      customerId: f.customers[3]!,
      serviceIds: [f.services.cut],
      dateFrom: "2026-03-14",
      dateTo: "2026-03-14",
      dayParts: ["evening"],
      note: "Soy Marta, llámame al 600 999 888",
    });
    const version = async (id: string) => (await t.db.customer.findUniqueOrThrow({ where: { id } })).version;
    await mergeCustomers(scope, {
      survivorId: f.customers[2]!,
      duplicateId: f.customers[3]!,
      expectedVersions: { survivor: await version(f.customers[2]!), duplicate: await version(f.customers[3]!) },
    });
    expect((await t.db.waitlistWish.findUniqueOrThrow({ where: { id: dup.id } })).customerId).toBe(f.customers[2]);

    const doc = await exportCustomer(scope, f.customers[2]!);
    expect(doc.waitlist.map((w) => w.note)).toContain("Soy Marta, llámame al 600 999 888");

    await eraseCustomer(scope, { customerId: f.customers[2]! });
    const left = await t.db.waitlistWish.findMany({ where: { customerId: f.customers[2]! } });
    expect(left.length).toBeGreaterThan(0);
    for (const w of left) {
      expect(w.noteCipher).toBeNull();
      expect(["cancelled", "booked", "expired"]).toContain(w.status);
    }
  });
});
