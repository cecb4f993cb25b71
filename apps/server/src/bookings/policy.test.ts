import { describe, expect, it } from "vitest";
import { cancellationDecision, depositFor, noShowDecision } from "./policy.ts";

const terms = { cancellationWindowHours: 24, lateCancelKeepsDeposit: true, noShowKeepsDeposit: true };
const start = new Date("2026-03-12T10:00:00Z");

describe("policy", () => {
  it("sums fixed and percentage deposits per service, never above the price", () => {
    const d = depositFor([
      { serviceId: "colour", priceCents: 6500, terms: { depositRule: "percent", depositValue: 20 } },
      { serviceId: "balayage", priceCents: 12000, terms: { depositRule: "fixed", depositValue: 3000 } },
      { serviceId: "cut", priceCents: 3500, terms: { depositRule: "none", depositValue: 0 } },
      { serviceId: "brows", priceCents: 500, terms: { depositRule: "fixed", depositValue: 1000 } },
    ]);
    expect(d.amountCents).toBe(1300 + 3000 + 500);
    expect(d.rule).toBe("20% of the price + fixed deposit of 3000 cents + fixed deposit of 500 cents");
  });

  it("refunds inside the free window, exactly at its edge too", () => {
    const at = new Date(start.getTime() - 24 * 3_600_000);
    expect(cancellationDecision({ startsAt: start, depositPaidCents: 1000 }, terms, at)).toMatchObject({
      rule: "free_cancellation_window",
      refundCents: 1000,
    });
  });

  it("keeps the deposit on a late cancel, unless the salon refunds late cancels or staff waive it", () => {
    const late = new Date(start.getTime() - 23 * 3_600_000);
    expect(cancellationDecision({ startsAt: start, depositPaidCents: 1000 }, terms, late)).toMatchObject({
      rule: "late_cancellation",
      refundCents: 0,
      keptCents: 1000,
    });
    expect(
      cancellationDecision(
        { startsAt: start, depositPaidCents: 1000 },
        { ...terms, lateCancelKeepsDeposit: false },
        late,
      ),
    ).toMatchObject({ refundCents: 1000 });
    expect(
      cancellationDecision({ startsAt: start, depositPaidCents: 1000 }, terms, late, { staffWaiver: true }),
    ).toMatchObject({ rule: "staff_waiver", refundCents: 1000 });
  });

  it("explains itself in both languages", () => {
    const d = cancellationDecision(
      { startsAt: start, depositPaidCents: 1000 },
      terms,
      new Date(start.getTime() - 3_600_000),
    );
    expect(d.explanation.es).toContain("24 h");
    expect(d.explanation.en).toContain("keeps the deposit");
  });

  it("decides no-shows by the salon's rule", () => {
    expect(noShowDecision(1000, terms)).toMatchObject({ rule: "no_show", keptCents: 1000 });
    expect(noShowDecision(1000, { ...terms, noShowKeepsDeposit: false })).toMatchObject({ refundCents: 1000 });
    expect(noShowDecision(0, terms).rule).toBe("no_deposit_paid");
  });
});
