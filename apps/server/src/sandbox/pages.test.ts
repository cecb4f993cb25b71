import { describe, expect, it } from "vitest";
import { type CheckoutView, checkoutPage } from "./pages.ts";

const view = (language: string, state: CheckoutView["state"] = "open"): CheckoutView => ({
  sessionId: "cs_test_abc",
  state,
  amountCents: 168_900,
  currency: "eur",
  expiresAt: new Date("2026-12-07T03:47:59Z"), // 04:47:59 in Madrid
  booking: {
    id: "0b7f3c1e-0000-4000-8000-000000000001",
    language,
    salon: "Salón Cita <Centro>",
    timeZone: "Europe/Madrid",
    startsAt: new Date("2026-12-09T09:30:00Z"),
    services: [{ es: "Tinte completo", en: "Full colour" }],
    stylists: ["Laura"],
  },
});

const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, " ")
    .replace(/&[a-z]+;|&#\d+;/g, " ")
    .replace(/\s+/g, " ");

describe("the sandbox checkout page", () => {
  it("speaks Spanish by default: salon, service, stylist, local time, grouped amount, the hold's end as the chat writes it", () => {
    const html = checkoutPage(view("es"));
    expect(html).toContain('<html lang="es">');
    const t = text(html);
    expect(t).toContain("Tinte completo");
    expect(t).toContain("Laura");
    expect(t).toContain("miércoles, 9 de diciembre de 2026, 10:30");
    expect(html).toContain("1.689,00\u00a0€");
    expect(t).toContain("hasta las 04:47.");
    expect(html).toContain("Salón Cita &lt;Centro&gt;");
    // The id only as an attribute; no status names, no English.
    expect(html).toContain('data-booking-id="0b7f3c1e-0000-4000-8000-000000000001"');
    expect(t).not.toContain("0b7f3c1e");
    expect(t).not.toMatch(/pending|open|Sandbox:|money/);
  });

  it("speaks English to an English-speaking customer", () => {
    const t = text(checkoutPage(view("en", "paid")));
    expect(t).toContain("Full colour");
    expect(t).toContain("Wednesday, 9 December 2026 at 10:30");
    expect(t).toContain("€1,689.00");
    expect(t).toContain("your booking is confirmed");
    expect(t).not.toMatch(/Pagado|Depósito/);
  });
});
