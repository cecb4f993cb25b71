// A small, fully known salon for tests (the demo seed is for people; this one is for assertions).
import pg from "pg";
import type { FieldCrypto } from "../crypto/field-crypto.ts";
import { upsertCustomerByPhone } from "../customers/customer-store.ts";
import type { Db } from "../db/client.ts";
import type { BookingStatus } from "../generated/prisma/enums.ts";

const H = (h: number, m = 0) => h * 60 + m;

export interface SalonFixture {
  locationId: string;
  services: { cut: string; colour: string; nails: string };
  staff: { laura: string; carlos: string; extra: string[] };
  customers: string[];
  managerId: string;
  deskId: string;
  ownerId: string;
}

/**
 * Madrid salon open 09:00–20:00 every day. Laura (cut, colour) and Carlos (cut) work 10:00–19:00
 * Monday to Saturday. Cut: 30 min, €20. Colour: 30 min application, 35 min processing, 20 min
 * finishing, €50, 20% deposit. Nails: 45 min, €25. `extraStylists` adds cut-only stylists.
 */
export async function createSalonFixture(
  db: Db,
  fc: FieldCrypto,
  opts: { extraStylists?: number; customers?: number } = {},
): Promise<SalonFixture> {
  const loc = await db.location.create({
    data: {
      slug: `test-${Math.random().toString(36).slice(2, 8)}`,
      name: "Test Salon",
      addressLine: "Calle Mayor 1",
      city: "Madrid",
      postalCode: "28013",
      country: "ES",
      timeZone: "Europe/Madrid",
      currency: "EUR",
      slotStepMinutes: 15,
      minNoticeMinutes: 60,
      horizonDays: 60,
      holdMinutes: 30,
      cancellationWindowHours: 24,
      hours: { create: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, startMinute: H(9), endMinute: H(20) })) },
    },
  });
  const svc = (slug: string, data: Record<string, unknown>) =>
    db.service.create({
      data: {
        locationId: loc.id,
        slug,
        nameEs: slug,
        nameEn: slug,
        category: "x",
        durationMinutes: 30,
        priceCents: 2000,
        ...data,
      },
    });
  const cut = await svc("cut", { nameEs: "Corte", nameEn: "Haircut" });
  const colour = await svc("colour", {
    nameEs: "Tinte",
    nameEn: "Colour",
    processingMinutes: 35,
    finishingMinutes: 20,
    priceCents: 5000,
    depositRule: "percent",
    depositValue: 20,
  });
  const nails = await svc("nails", { nameEs: "Manicura", nameEn: "Manicure", durationMinutes: 45, priceCents: 2500 });
  const stylist = async (name: string, services: string[]) => {
    const s = await db.staffMember.create({
      data: { locationId: loc.id, displayName: name, email: `${name.toLowerCase()}-${loc.slug}@test`, role: "stylist" },
    });
    await db.staffService.createMany({ data: services.map((serviceId) => ({ staffId: s.id, serviceId })) });
    await db.staffScheduleBlock.createMany({
      data: [1, 2, 3, 4, 5, 6].map((weekday) => ({
        staffId: s.id,
        weekday,
        kind: "work" as const,
        startMinute: H(10),
        endMinute: H(19),
      })),
    });
    return s.id;
  };
  const laura = await stylist("Laura", [cut.id, colour.id]);
  const carlos = await stylist("Carlos", [cut.id]);
  const extra: string[] = [];
  for (let i = 0; i < (opts.extraStylists ?? 0); i++) extra.push(await stylist(`Stylist${i}`, [cut.id]));
  const staffUser = (role: "owner" | "manager" | "front_desk") =>
    db.staffMember.create({
      data: { locationId: loc.id, displayName: role, email: `${role}-${loc.slug}@test`, role, bookable: false },
    });
  const [owner, manager, desk] = [await staffUser("owner"), await staffUser("manager"), await staffUser("front_desk")];
  const customers: string[] = [];
  for (let i = 0; i < (opts.customers ?? 3); i++) {
    const { customer } = await db.$transaction((tx) =>
      upsertCustomerByPhone(tx, fc, { phone: `+3460000${String(i).padStart(4, "0")}`, name: `Customer ${i}` }),
    );
    customers.push(customer.id);
  }
  return {
    locationId: loc.id,
    services: { cut: cut.id, colour: colour.id, nails: nails.id },
    staff: { laura, carlos, extra },
    customers,
    ownerId: owner.id,
    managerId: manager.id,
    deskId: desk.id,
  };
}

/** Pairs of active segments of one stylist that overlap (the exclusion constraint says: always 0). */
export async function overlappingActiveSegments(databaseUrl: string): Promise<number> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const { rows } = await c.query(`
      SELECT count(*)::int AS n FROM booking_segment a JOIN booking_segment b
        ON a.staff_id = b.staff_id AND a.id < b.id AND a.active AND b.active
       AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)`);
    return rows[0].n;
  } finally {
    await c.end();
  }
}

/**
 * A visit with Laura written straight to the database (no availability check, no segments): a past
 * or plain visit for records that need one (treatments, merges, backups). Colour: 85 minutes, €50;
 * cut: 30 minutes, €20.
 */
export function visitRow(
  db: Db,
  f: SalonFixture,
  customerId: string,
  startsAt: string,
  opts: { status?: BookingStatus; service?: "colour" | "cut" } = {},
) {
  const [minutes, priceCents] = opts.service === "cut" ? [30, 2000] : [85, 5000];
  const start = new Date(startsAt);
  const end = new Date(start.getTime() + minutes * 60_000);
  return db.booking.create({
    data: {
      locationId: f.locationId,
      customerId,
      status: opts.status ?? "completed",
      source: "console",
      startsAt: start,
      endsAt: end,
      totalPriceCents: priceCents,
      currency: "EUR",
      items: {
        create: [
          {
            position: 0,
            serviceId: f.services[opts.service ?? "colour"],
            staffId: f.staff.laura,
            startsAt: start,
            endsAt: end,
            durationMinutes: minutes,
            priceCents,
          },
        ],
      },
    },
  });
}
