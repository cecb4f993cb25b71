import { describe, expect, it } from "vitest";
import { actorLabel, auditLabel, channelLabel, escalationLabel, languageLabel } from "./labels.ts";

describe("labels for the server's codes", () => {
  it("says what happened in the console's language", () => {
    expect(auditLabel("booking.checked_in", "es")).toBe("Llegó al salón");
    expect(auditLabel("booking.created", "en")).toBe("Booking created");
    expect(escalationLabel("customer_request", "es")).toBe("El cliente pidió hablar con una persona");
    expect(actorLabel("agent", "en")).toBe("Assistant");
    expect(channelLabel("chatwoot", "es")).toBe("WhatsApp");
    expect(languageLabel("en", "es")).toBe("inglés");
    expect(languageLabel("es", "en")).toBe("Spanish");
  });

  it("keeps an unknown code legible rather than blank", () => {
    expect(auditLabel("booking.something_new", "es")).toBe("booking something new");
    expect(escalationLabel("weird_case", "en")).toBe("weird case");
  });
});
