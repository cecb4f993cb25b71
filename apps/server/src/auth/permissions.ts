// Who may do what. Every tRPC procedure names one permission in its meta; the server checks it
// (trpc/procedures.ts) and a test walks every procedure × role against this table.
import type { StaffRole } from "../generated/prisma/enums.ts";

export const PERMISSIONS = {
  /** Own schedule and own bookings (a stylist's view). */
  "schedule.own": ["owner", "manager", "front_desk", "stylist"],
  "calendar.read": ["owner", "manager", "front_desk"],
  "bookings.read": ["owner", "manager", "front_desk"],
  "bookings.write": ["owner", "manager", "front_desk"],
  "customers.read": ["owner", "manager", "front_desk"],
  "customers.write": ["owner", "manager", "front_desk"],
  "customers.export": ["owner", "manager"],
  /** Erasing a customer's personal data (cannot be undone). */
  "customers.erase": ["owner", "manager"],
  /** Colour/treatment records (#21): formulas, notes, before/after photos; the stylists write them. */
  "treatments.use": ["owner", "manager", "front_desk", "stylist"],
  "chats.use": ["owner", "manager", "front_desk"],
  /** Open an agent turn: the tools it called and what they returned (chats.turn). */
  "chats.explain": ["owner", "manager"],
  "catalog.read": ["owner", "manager", "front_desk", "stylist"],
  "settings.write": ["owner", "manager"],
  /** Enter, test and replace integration credentials (Settings → Integrations). */
  "integrations.manage": ["owner"],
  "staff.manage": ["owner", "manager"],
  "reports.read": ["owner", "manager"],
  "audit.read": ["owner", "manager"],
  "payments.refund": ["owner", "manager"],
  "sessions.self": ["owner", "manager", "front_desk", "stylist"],
} as const satisfies Record<string, readonly StaffRole[]>;

export type Permission = keyof typeof PERMISSIONS;

export function roleHas(role: StaffRole, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly StaffRole[]).includes(role);
}

/** Managers manage staff but not owners; owners manage everyone. */
export function canManageStaff(actor: StaffRole, target: StaffRole): boolean {
  if (actor === "owner") return true;
  return actor === "manager" && target !== "owner";
}
