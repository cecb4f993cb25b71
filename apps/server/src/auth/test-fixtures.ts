// Test fixtures for auth tests: a location and staff members with real argon2id password hashes.
import { randomBytes } from "node:crypto";
import type { Db } from "../db/client.ts";
import type { StaffRole } from "../generated/prisma/enums.ts";
import { hashPassword } from "./password.ts";

export async function createTestLocation(db: Db, slug = `loc-${randomBytes(4).toString("hex")}`) {
  return db.location.create({
    data: {
      slug,
      name: "Salón de prueba",
      addressLine: "Calle Mayor 1",
      city: "Madrid",
      postalCode: "28013",
      country: "ES",
      timeZone: "Europe/Madrid",
    },
  });
}

export interface TestStaff {
  id: string;
  email: string;
  password: string;
  role: StaffRole;
  locationId: string;
}

export async function createTestStaff(
  db: Db,
  locationId: string,
  role: StaffRole,
  opts: { email?: string; password?: string | null } = {},
): Promise<TestStaff> {
  const email = opts.email ?? `${role}-${randomBytes(4).toString("hex")}@salon.test`;
  const password = opts.password === undefined ? `pw-${randomBytes(9).toString("base64url")}` : opts.password;
  const row = await db.staffMember.create({
    data: {
      locationId,
      displayName: `Test ${role}`,
      email,
      role,
      passwordHash: password === null ? null : await hashPassword(password),
    },
  });
  return { id: row.id, email, password: password ?? "", role, locationId };
}
