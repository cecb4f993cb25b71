import { AppError } from "../errors/app-error.ts";

/** Normalises a phone number to E.164 (+ and 8–15 digits). WhatsApp ids come without the "+". */
export function normalisePhone(input: string): string {
  const digits = input.replace(/[\s().-]/g, "").replace(/^00/, "+");
  const e164 = digits.startsWith("+") ? digits : `+${digits}`;
  if (!/^\+[1-9]\d{7,14}$/.test(e164)) {
    throw new AppError("BAD_INPUT", `"${input}" is not a phone number in international format`);
  }
  return e164;
}
