// Issue #21: a second salon beside createSalonFixture's ("Test Salon", location A), for tests of
// several locations on one server. Location B, "Salón Norte" in Sevilla, has its own services (other
// names and prices), its own hours (10:00–18:00, Monday to Saturday; closed on Sunday), its own
// stylist (Marta) and front desk, and optionally its own inbox; A's Laura is linked to B
// (staff_location) and works there on Saturdays (a schedule block with B's location_id).
import type { Db } from "../db/client.ts";
import type { SalonFixture } from "./fixtures.ts";

const H = (h: number, m = 0) => h * 60 + m;

export interface SecondLocation {
  locationId: string;
  name: string;
  services: { blowDry: string; highlights: string };
  staff: { marta: string };
  deskId: string;
  managerId: string;
}

export const LOCATION_B = {
  name: "Salón Norte",
  city: "Sevilla",
  services: {
    blowDry: { nameEs: "Peinado Norte", nameEn: "North blow-dry", priceCents: 1800, durationMinutes: 30 },
    highlights: { nameEs: "Mechas Norte", nameEn: "North highlights", priceCents: 7000, durationMinutes: 90 },
  },
  /** Open 10:00–18:00 Monday to Saturday. */
  hours: { startMinute: H(10), endMinute: H(18), weekdays: [1, 2, 3, 4, 5, 6] },
} as const;

/** Seeds location B next to `a` (see the header); `linkLaura` links A's Laura to B (default true). */
export async function createSecondLocation(
  db: Db,
  a: SalonFixture,
  opts: { linkLaura?: boolean } = {},
): Promise<SecondLocation> {
  const loc = await db.location.create({
    data: {
      slug: `norte-${Math.random().toString(36).slice(2, 8)}`,
      name: LOCATION_B.name,
      addressLine: "Calle Feria 10",
      city: LOCATION_B.city,
      postalCode: "41003",
      country: "ES",
      timeZone: "Europe/Madrid",
      currency: "EUR",
      slotStepMinutes: 15,
      minNoticeMinutes: 60,
      horizonDays: 60,
      holdMinutes: 30,
      cancellationWindowHours: 24,
      hours: {
        create: LOCATION_B.hours.weekdays.map((weekday) => ({
          weekday,
          startMinute: LOCATION_B.hours.startMinute,
          endMinute: LOCATION_B.hours.endMinute,
        })),
      },
    },
  });
  const svc = (slug: string, data: { nameEs: string; nameEn: string; priceCents: number; durationMinutes: number }) =>
    db.service.create({ data: { locationId: loc.id, slug, category: "x", ...data } });
  const blowDry = await svc("blow-dry", LOCATION_B.services.blowDry);
  const highlights = await svc("highlights", LOCATION_B.services.highlights);
  const marta = await db.staffMember.create({
    data: { locationId: loc.id, displayName: "Marta", email: `marta-${loc.slug}@test`, role: "stylist" },
  });
  await db.staffService.createMany({
    data: [blowDry.id, highlights.id].map((serviceId) => ({ staffId: marta.id, serviceId })),
  });
  await db.staffScheduleBlock.createMany({
    data: LOCATION_B.hours.weekdays.map((weekday) => ({
      staffId: marta.id,
      weekday,
      kind: "work" as const,
      startMinute: H(10),
      endMinute: H(18),
    })),
  });
  const desk = await db.staffMember.create({
    data: {
      locationId: loc.id,
      displayName: "Recepción Norte",
      email: `desk-${loc.slug}@test`,
      role: "front_desk",
      bookable: false,
    },
  });
  const manager = await db.staffMember.create({
    data: {
      locationId: loc.id,
      displayName: "Gerente Norte",
      email: `manager-${loc.slug}@test`,
      role: "manager",
      bookable: false,
    },
  });
  if (opts.linkLaura !== false) {
    await db.staffLocation.create({ data: { staffId: a.staff.laura, locationId: loc.id } });
    // Laura also does B's blow-dry.
    await db.staffService.create({ data: { staffId: a.staff.laura, serviceId: blowDry.id } });
  }
  return {
    locationId: loc.id,
    name: LOCATION_B.name,
    services: { blowDry: blowDry.id, highlights: highlights.id },
    staff: { marta: marta.id },
    deskId: desk.id,
    managerId: manager.id,
  };
}

/** Says which salon(s) a channel account serves (several = one number for several salons). */
export async function routeInbox(
  db: Db,
  channel: "chatwoot" | "whatsapp_cloud",
  channelAccount: string,
  locationIds: string[],
): Promise<void> {
  await db.locationInbox.createMany({
    data: locationIds.map((locationId) => ({ channel, channelAccount, locationId })),
  });
}
