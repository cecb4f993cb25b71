// Planning a group visit (pure): together or in sequence, one stylist never serves two people at
// once, one deposit that is the sum of each person's by the policy.
import { describe, expect, it } from "vitest";
import { isAppError } from "../errors/app-error.ts";
import { planGroup } from "./group-plan.ts";
import type { PlanService, PlanSkill } from "./plan.ts";

const service = (id: string, over: Partial<PlanService> = {}): PlanService => ({
  id,
  nameEs: id,
  nameEn: id,
  priceCents: 2000,
  bufferBeforeMinutes: 0,
  durationMinutes: 30,
  processingMinutes: 0,
  finishingMinutes: 0,
  bufferAfterMinutes: 0,
  depositRule: "none",
  depositValue: 0,
  ...over,
});
const services = [
  service("cut"),
  // Colour: 30 + 35 processing + 20 finishing, €50, 20% deposit.
  service("colour", {
    processingMinutes: 35,
    finishingMinutes: 20,
    priceCents: 5000,
    depositRule: "percent",
    depositValue: 20,
  }),
  service("highlights", {
    durationMinutes: 60,
    priceCents: 8000,
    depositRule: "fixed",
    depositValue: 1500,
    bufferAfterMinutes: 10,
  }),
];
const skill = (staffId: string, serviceId: string): PlanSkill => ({
  staffId,
  serviceId,
  durationMinutes: null,
  processingMinutes: null,
  finishingMinutes: null,
  priceCents: null,
});
const skills = [
  skill("laura", "cut"),
  skill("laura", "colour"),
  skill("laura", "highlights"),
  skill("carlos", "cut"),
  skill("ana", "highlights"),
  skill("ana", "cut"),
];
const start = new Date("2027-05-08T08:00:00Z");
const MIN = 60_000;

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return isAppError(e) ? e.code : String(e);
  }
  return null;
};

describe("planGroup", () => {
  it("together: three people on three stylists start at once; one deposit = the sum by the policy", () => {
    const g = planGroup(
      start,
      "together",
      [
        { items: [{ serviceId: "colour", staffId: "laura" }] },
        { guestName: "Marta", items: [{ serviceId: "highlights", staffId: "ana" }] },
        { customerId: "c-3", items: [{ serviceId: "cut", staffId: "carlos" }] },
      ],
      services,
      skills,
    );
    expect(g.people.map((p) => p.plan.startsAt.getTime())).toEqual([start, start, start].map((d) => d.getTime()));
    expect(g.depositShares).toEqual([1000, 1500, 0]);
    expect(g.deposit.amountCents).toBe(2500);
    expect(g.deposit.rule).toBe("20% of the price + fixed deposit of 1500 cents");
    expect(g.totalPriceCents).toBe(5000 + 8000 + 2000);
    expect(g.endsAt.getTime()).toBe(start.getTime() + 85 * MIN); // the colour is the longest
  });

  it("together: one stylist for two people at once is refused", () => {
    expect(
      code(() =>
        planGroup(
          start,
          "together",
          [{ items: [{ serviceId: "cut", staffId: "laura" }] }, { items: [{ serviceId: "cut", staffId: "laura" }] }],
          services,
          skills,
        ),
      ),
    ).toBe("BAD_INPUT");
  });

  it("together: a colour's processing gap frees the stylist, but not for someone starting at the same time", () => {
    // Laura applies colour 10:00–10:30 and finishes 11:05–11:25; a cut at 10:00 with her still clashes.
    expect(
      code(() =>
        planGroup(
          start,
          "together",
          [{ items: [{ serviceId: "colour", staffId: "laura" }] }, { items: [{ serviceId: "cut", staffId: "laura" }] }],
          services,
          skills,
        ),
      ),
    ).toBe("BAD_INPUT");
  });

  it("sequence: each starts when the one before ends; a shared stylist's buffer pushes the next later", () => {
    const g = planGroup(
      start,
      "sequence",
      [
        { items: [{ serviceId: "highlights", staffId: "laura" }] }, // 60 min + 10 buffer after
        { items: [{ serviceId: "cut", staffId: "laura" }] },
        { items: [{ serviceId: "cut", staffId: "carlos" }] },
      ],
      services,
      skills,
    );
    const starts = g.people.map((p) => (p.plan.startsAt.getTime() - start.getTime()) / MIN);
    expect(starts).toEqual([0, 70, 100]);
    expect(g.depositShares).toEqual([1500, 0, 0]);
  });

  it("refuses groups of one or too many, people without services, and stylists who do not do the service", () => {
    const one = [{ items: [{ serviceId: "cut", staffId: "laura" }] }];
    expect(code(() => planGroup(start, "together", one, services, skills))).toBe("BAD_INPUT");
    const many = Array.from({ length: 9 }, () => ({ items: [{ serviceId: "cut", staffId: "laura" }] }));
    expect(code(() => planGroup(start, "sequence", many, services, skills))).toBe("BAD_INPUT");
    expect(code(() => planGroup(start, "sequence", [...one, { items: [] }], services, skills))).toBe("BAD_INPUT");
    expect(
      code(() =>
        planGroup(
          start,
          "together",
          [...one, { items: [{ serviceId: "colour", staffId: "carlos" }] }],
          services,
          skills,
        ),
      ),
    ).toBe("BAD_INPUT");
  });
});
