// The salon's money rules as pure functions. Each decision names the rule it applied, so the agent
// and the console can explain it ("cancelling less than 24 h before keeps the deposit").
import type { DepositRule } from "../generated/prisma/enums.ts";

export interface DepositTerms {
  depositRule: DepositRule;
  depositValue: number;
}

export interface DepositDecision {
  amountCents: number;
  rule: string;
  perItem: { serviceId: string; amountCents: number; rule: string }[];
}

/** Deposit for a visit: the sum of each service's own rule (fixed cents or a percentage of its price). */
export function depositFor(items: { serviceId: string; priceCents: number; terms: DepositTerms }[]): DepositDecision {
  const perItem = items.map(({ serviceId, priceCents, terms }) => {
    if (terms.depositRule === "fixed") {
      const amountCents = Math.min(terms.depositValue, priceCents);
      return { serviceId, amountCents, rule: `fixed deposit of ${amountCents} cents` };
    }
    if (terms.depositRule === "percent") {
      const amountCents = Math.round((priceCents * terms.depositValue) / 100);
      return { serviceId, amountCents, rule: `${terms.depositValue}% of the price` };
    }
    return { serviceId, amountCents: 0, rule: "no deposit" };
  });
  const amountCents = perItem.reduce((n, i) => n + i.amountCents, 0);
  return {
    amountCents,
    perItem,
    rule: amountCents
      ? perItem
          .filter((i) => i.amountCents)
          .map((i) => i.rule)
          .join(" + ")
      : "no deposit",
  };
}

export interface CancellationTerms {
  cancellationWindowHours: number;
  lateCancelKeepsDeposit: boolean;
  noShowKeepsDeposit: boolean;
}

export type PolicyRule =
  | "free_cancellation_window"
  | "late_cancellation"
  | "late_cancellation_refunded"
  | "staff_waiver"
  | "no_deposit_paid"
  | "no_show"
  | "no_show_refunded";

export interface MoneyDecision {
  rule: PolicyRule;
  refundCents: number;
  keptCents: number;
  explanation: { es: string; en: string };
}

/**
 * What cancelling keeps. Inside the free window (more than N hours before the start) the paid
 * deposit is refunded; later, the salon's rule decides. Staff may waive the rule explicitly.
 */
export function cancellationDecision(
  b: { startsAt: Date; depositPaidCents: number },
  terms: CancellationTerms,
  now: Date,
  opts: { staffWaiver?: boolean } = {},
): MoneyDecision {
  const paid = b.depositPaidCents;
  if (paid <= 0) {
    return {
      rule: "no_deposit_paid",
      refundCents: 0,
      keptCents: 0,
      explanation: { es: "No hay depósito pagado.", en: "No deposit was paid." },
    };
  }
  const hoursBefore = (b.startsAt.getTime() - now.getTime()) / 3_600_000;
  const w = terms.cancellationWindowHours;
  if (hoursBefore >= w) {
    return {
      rule: "free_cancellation_window",
      refundCents: paid,
      keptCents: 0,
      explanation: {
        es: `Cancelas con más de ${w} h de antelación: te devolvemos el depósito.`,
        en: `You are cancelling more than ${w} h ahead: the deposit is refunded.`,
      },
    };
  }
  if (opts.staffWaiver) {
    return {
      rule: "staff_waiver",
      refundCents: paid,
      keptCents: 0,
      explanation: { es: "El salón devuelve el depósito.", en: "The salon refunds the deposit." },
    };
  }
  if (!terms.lateCancelKeepsDeposit) {
    return {
      rule: "late_cancellation_refunded",
      refundCents: paid,
      keptCents: 0,
      explanation: { es: "El depósito se devuelve.", en: "The deposit is refunded." },
    };
  }
  return {
    rule: "late_cancellation",
    refundCents: 0,
    keptCents: paid,
    explanation: {
      es: `Cancelar con menos de ${w} h de antelación no permite devolver el depósito.`,
      en: `Cancelling less than ${w} h before the appointment keeps the deposit.`,
    },
  };
}

export function noShowDecision(depositPaidCents: number, terms: CancellationTerms): MoneyDecision {
  if (depositPaidCents <= 0) {
    return {
      rule: "no_deposit_paid",
      refundCents: 0,
      keptCents: 0,
      explanation: { es: "No hay depósito pagado.", en: "No deposit was paid." },
    };
  }
  return terms.noShowKeepsDeposit
    ? {
        rule: "no_show",
        refundCents: 0,
        keptCents: depositPaidCents,
        explanation: { es: "Al no presentarse, el salón se queda el depósito.", en: "A no-show keeps the deposit." },
      }
    : {
        rule: "no_show_refunded",
        refundCents: depositPaidCents,
        keptCents: 0,
        explanation: { es: "El depósito se devuelve.", en: "The deposit is refunded." },
      };
}
