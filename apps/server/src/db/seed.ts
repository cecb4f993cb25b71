// The demo salon: one Madrid location a salon owner would believe. Idempotent: reference data is
// upserted by natural keys; demo bookings and customers are only created once.
import { hashPassword } from "../auth/password.ts";
import { itemSpan, planSegments } from "../bookings/segments.ts";
import { appendChange } from "../changes/change-log.ts";
import type { FieldCrypto } from "../crypto/field-crypto.ts";
import { upsertCustomerByPhone } from "../customers/customer-store.ts";
import type { BookingStatus, DepositRule, StaffRole } from "../generated/prisma/enums.ts";
import { addDays, localToUtc, toLocal, weekdayOf } from "../time/zoned.ts";
import type { Db } from "./client.ts";
import { demoHolidays } from "./demo-holidays.ts";

export const DEMO_LOCATION_SLUG = "demo-madrid";

export const DEMO_LOGINS = [
  { email: "owner@cita.demo", password: "cita-owner-demo", role: "owner" as const, name: "Ana Beltrán" },
  { email: "manager@cita.demo", password: "cita-manager-demo", role: "manager" as const, name: "Pablo Serrano" },
  { email: "desk@cita.demo", password: "cita-desk-demo", role: "front_desk" as const, name: "Lucía Moreno" },
];

const H = (h: number, m = 0) => h * 60 + m;

interface DemoService {
  slug: string;
  es: string;
  en: string;
  category: string;
  duration: number;
  processing?: number;
  finishing?: number;
  bufferAfter?: number;
  price: number;
  deposit?: [DepositRule, number];
}

export const DEMO_SERVICES: DemoService[] = [
  { slug: "corte-mujer", es: "Corte mujer", en: "Women's haircut", category: "cuts", duration: 45, price: 3500 },
  { slug: "corte-hombre", es: "Corte hombre", en: "Men's haircut", category: "cuts", duration: 30, price: 1800 },
  { slug: "corte-infantil", es: "Corte infantil", en: "Kids' haircut", category: "cuts", duration: 20, price: 1200 },
  {
    slug: "lavado-peinado",
    es: "Lavado y peinado",
    en: "Wash and blow-dry",
    category: "styling",
    duration: 30,
    price: 2200,
  },
  { slug: "arreglo-barba", es: "Arreglo de barba", en: "Beard trim", category: "cuts", duration: 20, price: 1000 },
  {
    slug: "tinte-raiz",
    es: "Tinte de raíz",
    en: "Root colour",
    category: "colour",
    duration: 30,
    processing: 35,
    finishing: 20,
    bufferAfter: 5,
    price: 4500,
    deposit: ["fixed", 1000],
  },
  {
    slug: "tinte-completo",
    es: "Tinte completo",
    en: "Full colour",
    category: "colour",
    duration: 40,
    processing: 40,
    finishing: 25,
    bufferAfter: 5,
    price: 6500,
    deposit: ["percent", 20],
  },
  {
    slug: "mechas",
    es: "Mechas",
    en: "Highlights",
    category: "colour",
    duration: 60,
    processing: 35,
    finishing: 30,
    bufferAfter: 5,
    price: 8500,
    deposit: ["percent", 20],
  },
  {
    slug: "balayage",
    es: "Balayage",
    en: "Balayage",
    category: "colour",
    duration: 75,
    processing: 45,
    finishing: 30,
    bufferAfter: 10,
    price: 12000,
    deposit: ["fixed", 3000],
  },
  {
    slug: "keratina",
    es: "Tratamiento de keratina",
    en: "Keratin treatment",
    category: "treatments",
    duration: 60,
    processing: 30,
    finishing: 30,
    price: 9500,
    deposit: ["fixed", 2000],
  },
  { slug: "manicura", es: "Manicura", en: "Manicure", category: "nails", duration: 40, price: 2000 },
  {
    slug: "manicura-semipermanente",
    es: "Manicura semipermanente",
    en: "Gel manicure",
    category: "nails",
    duration: 50,
    price: 2800,
  },
  { slug: "pedicura", es: "Pedicura", en: "Pedicure", category: "nails", duration: 50, price: 3000 },
  { slug: "diseno-cejas", es: "Diseño de cejas", en: "Brow shaping", category: "brows", duration: 20, price: 1200 },
  {
    slug: "tinte-cejas",
    es: "Tinte de cejas",
    en: "Brow tint",
    category: "brows",
    duration: 10,
    processing: 10,
    finishing: 5,
    price: 1000,
  },
  {
    slug: "lifting-pestanas",
    es: "Lifting de pestañas",
    en: "Lash lift",
    category: "brows",
    duration: 45,
    price: 4000,
    deposit: ["fixed", 1000],
  },
];

interface DemoStylist {
  email: string;
  name: string;
  color: string;
  services: string[];
  /** weekday → [start, end, breakStart?, breakEnd?] */
  week: Record<number, [number, number, number?, number?]>;
  overrides?: Record<string, number>;
}

const CUTS = ["corte-mujer", "corte-hombre", "corte-infantil", "lavado-peinado"];
const COLOUR = ["tinte-raiz", "tinte-completo", "mechas", "balayage", "keratina"];
const NAILS = ["manicura", "manicura-semipermanente", "pedicura"];
const BROWS = ["diseno-cejas", "tinte-cejas", "lifting-pestanas"];

export const DEMO_STYLISTS: DemoStylist[] = [
  // Monday is Laura's day off; Saturday short.
  {
    email: "laura@cita.demo",
    name: "Laura Martín",
    color: "#e11d48",
    services: [...CUTS, ...COLOUR],
    week: {
      2: [H(10), H(19), H(14), H(15)],
      3: [H(10), H(19), H(14), H(15)],
      4: [H(11), H(20), H(15), H(16)],
      5: [H(10), H(19), H(14), H(15)],
      6: [H(9), H(15)],
    },
  },
  {
    email: "carlos@cita.demo",
    name: "Carlos Ruiz",
    color: "#2563eb",
    services: [...CUTS, "arreglo-barba"],
    week: {
      1: [H(10), H(18), H(14), H(15)],
      2: [H(10), H(18), H(14), H(15)],
      3: [H(12), H(20), H(16), H(16, 30)],
      4: [H(10), H(18), H(14), H(15)],
      5: [H(12), H(20), H(16), H(16, 30)],
    },
  },
  {
    email: "marta@cita.demo",
    name: "Marta López",
    color: "#16a34a",
    services: ["corte-mujer", "lavado-peinado", ...COLOUR],
    week: {
      2: [H(9, 30), H(17, 30), H(13, 30), H(14, 30)],
      3: [H(9, 30), H(17, 30), H(13, 30), H(14, 30)],
      5: [H(11), H(20), H(15), H(16)],
      6: [H(9), H(15)],
    },
  },
  {
    email: "sofia@cita.demo",
    name: "Sofía Navarro",
    color: "#9333ea",
    services: [...NAILS, "diseno-cejas", "tinte-cejas"],
    week: {
      1: [H(10), H(18), H(14), H(15)],
      2: [H(10), H(18), H(14), H(15)],
      3: [H(10), H(18), H(14), H(15)],
      4: [H(12), H(20), H(16), H(17)],
      5: [H(10), H(18), H(14), H(15)],
    },
  },
  {
    email: "javier@cita.demo",
    name: "Javier Torres",
    color: "#ea580c",
    services: ["corte-hombre", "corte-infantil", "lavado-peinado", "arreglo-barba"],
    week: {
      3: [H(10), H(20), H(14), H(15)],
      4: [H(10), H(20), H(14), H(15)],
      5: [H(10), H(20), H(14), H(15)],
      6: [H(9), H(15)],
    },
  },
  {
    email: "elena@cita.demo",
    name: "Elena García",
    color: "#0891b2",
    services: [...NAILS, ...BROWS],
    week: {
      2: [H(12), H(20), H(16), H(16, 30)],
      4: [H(10), H(18), H(14), H(15)],
      5: [H(10), H(18), H(14), H(15)],
      6: [H(9), H(15)],
    },
  },
];

const DEMO_CUSTOMERS: [string, string, string][] = [
  ["+34600111201", "María González", "es"],
  ["+34600111202", "Carmen Rodríguez", "es"],
  ["+34600111203", "Lucía Fernández", "es"],
  ["+34600111204", "Isabel Sánchez", "es"],
  ["+34600111205", "Paula Jiménez", "es"],
  ["+34600111206", "Elena Díaz", "es"],
  ["+34600111207", "Sara Moreno", "es"],
  ["+34600111208", "Cristina Álvarez", "es"],
  ["+34600111209", "Raquel Romero", "es"],
  ["+34600111210", "Andrea Navarro", "es"],
  ["+34600111211", "Javier Gil", "es"],
  ["+34600111212", "David Ortega", "es"],
  ["+34600111213", "Miguel Castro", "es"],
  ["+34600111214", "Alejandro Ramos", "es"],
  ["+34600111215", "Beatriz Vidal", "es"],
  ["+447700900123", "Emma Thompson", "en"],
  ["+447700900124", "Olivia Clarke", "en"],
  ["+12025550143", "Hannah Miller", "en"],
  ["+34600111216", "Nuria Molina", "es"],
  ["+34600111217", "Irene Marín", "es"],
  ["+34600111218", "Alba Rubio", "es"],
  ["+34600111219", "Claudia Herrera", "es"],
  ["+34600111220", "Marta Iglesias", "es"],
  ["+34600111221", "Laura Prieto", "es"],
];

/** Deterministic PRNG (mulberry32), so the demo looks the same on every machine. */
function rng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SeedResult {
  locationId: string;
  createdBookings: number;
}

export async function seedDemoSalon(db: Db, fc: FieldCrypto, opts: { now?: Date } = {}): Promise<SeedResult> {
  const now = opts.now ?? new Date();
  const tz = "Europe/Madrid";
  const location = await db.location.upsert({
    where: { slug: DEMO_LOCATION_SLUG },
    update: {},
    create: {
      slug: DEMO_LOCATION_SLUG,
      name: "Salón Cita Malasaña",
      addressLine: "Calle de Fuencarral 45",
      city: "Madrid",
      postalCode: "28004",
      country: "ES",
      phone: "+34910000000",
      timeZone: tz,
      currency: "EUR",
      defaultLanguage: "es",
      slotStepMinutes: 15,
      minNoticeMinutes: 60,
      horizonDays: 60,
      holdMinutes: 30,
      cancellationWindowHours: 24,
    },
  });

  if ((await db.locationHours.count({ where: { locationId: location.id } })) === 0) {
    const open: [number, number, number][] = [
      [1, H(10), H(18)],
      [2, H(9, 30), H(20)],
      [3, H(9, 30), H(20)],
      [4, H(10), H(20)],
      [5, H(10), H(20)],
      [6, H(9), H(15)],
    ];
    await db.locationHours.createMany({
      data: open.map(([weekday, startMinute, endMinute]) => ({
        locationId: location.id,
        weekday,
        startMinute,
        endMinute,
      })),
    });
    const holidays = demoHolidays(toLocal(now, tz).date);
    await db.locationClosure.createMany({
      data: holidays.map(([d, reason]) => ({ locationId: location.id, date: new Date(`${d}T00:00:00Z`), reason })),
    });
  }

  const services = new Map<string, { id: string; s: DemoService }>();
  for (const [i, s] of DEMO_SERVICES.entries()) {
    const row = await db.service.upsert({
      where: { locationId_slug: { locationId: location.id, slug: s.slug } },
      update: {},
      create: {
        locationId: location.id,
        slug: s.slug,
        nameEs: s.es,
        nameEn: s.en,
        category: s.category,
        durationMinutes: s.duration,
        processingMinutes: s.processing ?? 0,
        finishingMinutes: s.finishing ?? 0,
        bufferAfterMinutes: s.bufferAfter ?? 0,
        priceCents: s.price,
        depositRule: s.deposit?.[0] ?? "none",
        depositValue: s.deposit?.[1] ?? 0,
        sortOrder: i,
      },
    });
    services.set(s.slug, { id: row.id, s });
  }

  for (const login of DEMO_LOGINS) {
    const exists = await db.staffMember.findUnique({ where: { email: login.email } });
    if (!exists) {
      await db.staffMember.create({
        data: {
          locationId: location.id,
          email: login.email,
          displayName: login.name,
          role: login.role as StaffRole,
          bookable: false,
          passwordHash: await hashPassword(login.password),
        },
      });
    }
  }

  const stylists: { id: string; d: DemoStylist }[] = [];
  for (const d of DEMO_STYLISTS) {
    let row = await db.staffMember.findUnique({ where: { email: d.email } });
    if (!row) {
      row = await db.staffMember.create({
        data: {
          locationId: location.id,
          email: d.email,
          displayName: d.name,
          role: "stylist",
          color: d.color,
          bookable: true,
        },
      });
      await db.staffService.createMany({
        data: d.services.map((slug) => ({ staffId: row!.id, serviceId: services.get(slug)!.id })),
      });
      // Laura is the senior colourist: her balayage takes a little less and costs more.
      if (d.email === "laura@cita.demo") {
        await db.staffService.update({
          where: { staffId_serviceId: { staffId: row.id, serviceId: services.get("balayage")!.id } },
          data: { durationMinutes: 65, priceCents: 13500 },
        });
      }
      const blocks = Object.entries(d.week).flatMap(([wd, [start, end, bs, be]]) => [
        { staffId: row!.id, weekday: Number(wd), kind: "work" as const, startMinute: start, endMinute: end },
        ...(bs !== undefined && be !== undefined
          ? [{ staffId: row!.id, weekday: Number(wd), kind: "break" as const, startMinute: bs, endMinute: be }]
          : []),
      ]);
      await db.staffScheduleBlock.createMany({ data: blocks });
    }
    stylists.push({ id: row.id, d });
  }

  let createdBookings = 0;
  if ((await db.booking.count({ where: { locationId: location.id } })) === 0) {
    createdBookings = await seedBookings(db, fc, location.id, tz, now, services, stylists);
  }
  await logSeededEntities(db, location.id);
  return { locationId: location.id, createdBookings };
}

/**
 * The rows above are written directly, not through the commands that log changes: give each one
 * that has no change-log entry yet its "upsert", so a console's first replica sync receives the
 * location, services, staff and customers too (the sync reads the change log).
 */
async function logSeededEntities(db: Db, locationId: string) {
  const [services, staff, customers, logged] = await Promise.all([
    db.service.findMany({ where: { locationId }, select: { id: true } }),
    db.staffMember.findMany({ where: { locationId }, select: { id: true } }),
    db.customer.findMany({ select: { id: true } }),
    db.changeLog.findMany({
      where: { entityType: { in: ["location", "service", "staff", "customer"] } },
      select: { entityId: true },
      distinct: ["entityId"],
    }),
  ]);
  const seen = new Set(logged.map((r) => r.entityId));
  const missing = [
    { entityType: "location", id: locationId, locationId },
    ...services.map((s) => ({ entityType: "service", id: s.id, locationId })),
    ...staff.map((s) => ({ entityType: "staff", id: s.id, locationId })),
    ...customers.map((c) => ({ entityType: "customer", id: c.id, locationId: null })),
  ].filter((e) => !seen.has(e.id));
  if (!missing.length) return;
  await db.$transaction(async (tx) => {
    for (const e of missing)
      await appendChange(tx, { entityType: e.entityType, entityId: e.id, op: "upsert", locationId: e.locationId });
  });
}

async function seedBookings(
  db: Db,
  fc: FieldCrypto,
  locationId: string,
  tz: string,
  now: Date,
  services: Map<string, { id: string; s: DemoService }>,
  stylists: { id: string; d: DemoStylist }[],
): Promise<number> {
  const customers: string[] = [];
  for (const [phone, name, language] of DEMO_CUSTOMERS) {
    const { customer } = await db.$transaction((tx) => upsertCustomerByPhone(tx, fc, { phone, name, language }));
    customers.push(customer.id);
  }
  const random = rng(20261121);
  const today = toLocal(now, tz).date;
  // No demo visit on a day the salon is closed (its closures are seeded just before).
  const closed = new Set(
    (await db.locationClosure.findMany({ where: { locationId }, select: { date: true } })).map((c) =>
      c.date.toISOString().slice(0, 10),
    ),
  );
  let count = 0;
  for (let offset = -14; offset <= 14; offset++) {
    const date = addDays(today, offset);
    if (closed.has(date)) continue;
    const weekday = weekdayOf(date);
    for (const { id: staffId, d } of stylists) {
      const day = d.week[weekday];
      if (!day) continue;
      const [start, end, breakStart, breakEnd] = day;
      let cursor = start + Math.floor(random() * 4) * 15;
      const perDay = 1 + Math.floor(random() * 4);
      for (let n = 0; n < perDay; n++) {
        const slug = d.services[Math.floor(random() * d.services.length)]!;
        const { id: serviceId, s } = services.get(slug)!;
        const total = s.duration + (s.processing ?? 0) + (s.finishing ?? 0) + (s.bufferAfter ?? 0);
        if (breakStart !== undefined && breakEnd !== undefined && cursor < breakEnd && cursor + total > breakStart)
          cursor = breakEnd;
        if (cursor + total > end) break;
        const startsAt = localToUtc(date, cursor, tz);
        const timing = {
          bufferBeforeMinutes: 0,
          durationMinutes: s.duration,
          processingMinutes: s.processing ?? 0,
          finishingMinutes: s.finishing ?? 0,
          bufferAfterMinutes: s.bufferAfter ?? 0,
        };
        const span = itemSpan(startsAt, timing);
        const past = span.endsAt < now;
        const roll = random();
        const status: BookingStatus = past
          ? roll < 0.08
            ? "no_show"
            : roll < 0.16
              ? "cancelled"
              : "completed"
          : roll < 0.1
            ? "cancelled"
            : roll < 0.2 && s.deposit
              ? "pending_deposit"
              : "confirmed";
        const active = status !== "cancelled";
        const deposit =
          s.deposit?.[0] === "fixed"
            ? s.deposit[1]
            : s.deposit?.[0] === "percent"
              ? Math.round((s.price * s.deposit[1]) / 100)
              : 0;
        await db.$transaction(async (tx) => {
          const booking = await tx.booking.create({
            data: {
              locationId,
              customerId: customers[Math.floor(random() * customers.length)]!,
              status,
              source: random() < 0.6 ? "whatsapp" : "console",
              startsAt: span.startsAt,
              endsAt: span.endsAt,
              holdExpiresAt: status === "pending_deposit" ? new Date(now.getTime() + 30 * 60_000) : null,
              totalPriceCents: s.price,
              depositCents: deposit,
              currency: "EUR",
              cancelledAt: status === "cancelled" ? now : null,
              cancelledBy: status === "cancelled" ? "customer" : null,
              cancelReason: status === "cancelled" ? "No puede venir" : null,
              items: {
                create: {
                  position: 0,
                  serviceId,
                  staffId,
                  startsAt: span.startsAt,
                  endsAt: span.endsAt,
                  durationMinutes: s.duration,
                  processingMinutes: s.processing ?? 0,
                  finishingMinutes: s.finishing ?? 0,
                  priceCents: s.price,
                },
              },
            },
            include: { items: true },
          });
          await tx.bookingSegment.createMany({
            data: planSegments(startsAt, timing).map((seg) => ({
              ...seg,
              bookingId: booking.id,
              itemId: booking.items[0]!.id,
              staffId,
              active,
            })),
          });
          await appendChange(tx, { entityType: "booking", entityId: booking.id, op: "upsert", locationId });
        });
        count++;
        cursor += total + [0, 15, 30, 45][Math.floor(random() * 4)]!;
      }
    }
  }
  return count;
}
