// argon2id at OWASP's recommended minimum (m=19 MiB, t=2, p=1). Length rules only: 8–128, not on the common list.
import { hash, verify } from "@node-rs/argon2";
import { AppError } from "../errors/app-error.ts";
import { COMMON_PASSWORDS } from "./common-passwords.ts";

const ARGON2ID = 2; // Algorithm.Argon2id (the enum is a const enum, unusable under isolatedModules)
export const ARGON2_OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function checkPasswordPolicy(password: string): void {
  const length = [...password].length;
  if (length < 8 || length > 128) throw new AppError("BAD_INPUT", "Password must be 8 to 128 characters long");
  if (COMMON_PASSWORDS.has(password.toLowerCase())) {
    throw new AppError("BAD_INPUT", "This password is too common; choose another");
  }
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}
