// The CustomerNotifier (notifications/notifier.ts) behind payments, hold expiry and reminders: each
// notification becomes a message + outbox row in the customer's most recent conversation, written
// in the caller's transaction (so it exists exactly when the state change that caused it commits)
// and sent by the outbox job. Texts are short WhatsApp messages in the customer's language, built
// from the booking row (local date, weekday, time, stylist, price) rather than from the caller.
//
// WhatsApp's 24-hour window: outside it only an approved template may go out. A configured
// template for the kind (WHATSAPP_TEMPLATES, names below) is used; otherwise the message is stored
// as `failed` with the reason, audited and shown on the console — never thrown, because the
// booking change that caused it (a payment, an expiry) must still commit.
import { describeWhen, euros, hhmm, type Lang } from "../agent/lang.ts";
import { appendAudit, appendChange } from "../changes/change-log.ts";
import type { Tx } from "../db/client.ts";
import type { Conversation } from "../generated/prisma/client.ts";
import type { CustomerNotifier, NotificationKind, NotificationTarget } from "../notifications/notifier.ts";
import { toLocal } from "../time/zoned.ts";
import {
  renderWaitlistLost,
  renderWaitlistOffer,
  type WaitlistLostFacts,
  type WaitlistOfferFacts,
} from "../waitlist/messages.ts";
import type { AgentChoice, OutboundReply } from "./agent-port.ts";
import { configuredTemplates } from "./config.ts";
import type { ChannelDeps } from "./deps.ts";
import { enqueueOutbound, windowClosesAt } from "./outbox.ts";

/**
 * Delivered even while a person has the conversation: they report something that already happened
 * to the customer's booking or money (paid and confirmed, released, refunded, a link staff asked
 * for). Withholding them would leave the customer wrong about their appointment, and none of them
 * invites a conversation the bot would then have to carry — staff stay in charge of the chat.
 * Reminders and follow-ups are conversational (they ask for an answer), so they wait for the bot.
 */
const TRANSACTIONAL: ReadonlySet<NotificationKind> = new Set([
  "deposit_link",
  "booking_confirmed",
  "hold_expired",
  "payment_failed",
  "deposit_refunded",
  "paid_after_expiry_refunded",
]);

/**
 * The approved template used outside the 24-hour window, by kind. Configure it as
 * WHATSAPP_TEMPLATES="booking_reminder:es,booking_reminder:en,…"; its body parameters are, in order,
 * the values `templateParams` lists for that kind.
 */
export const NOTIFICATION_TEMPLATES: Record<NotificationKind, string> = {
  deposit_link: "deposit_link",
  booking_confirmed: "booking_confirmed",
  hold_expired: "hold_expired",
  payment_failed: "payment_failed",
  deposit_refunded: "deposit_refunded",
  paid_after_expiry_refunded: "deposit_refunded",
  reminder: "booking_reminder",
  follow_up: "booking_follow_up",
  waitlist_offer: "waitlist_offer",
  waitlist_lost: "waitlist_lost",
};

export type NotifierDeps = Pick<ChannelDeps, "clock" | "config" | "jobs" | "log">;

/** What a notification says about its booking, read inside the caller's transaction. */
interface BookingFacts {
  when: string;
  services: string;
  stylist: string;
  price: string;
  location: string;
  timeZone: string;
}

export interface RenderedNotification {
  reply: Exclude<OutboundReply, { kind: "template" }>;
  /** Parameters for the kind's template, in order. */
  params: string[];
}

const first = (name: string) => name.split(" ")[0] ?? name;

async function bookingFacts(tx: Tx, bookingId: string | undefined, lang: Lang): Promise<BookingFacts | null> {
  if (!bookingId) return null;
  const b = await tx.booking.findUnique({
    where: { id: bookingId },
    include: {
      location: { select: { name: true, timeZone: true } },
      items: {
        orderBy: { position: "asc" },
        include: { service: { select: { nameEs: true, nameEn: true } }, staff: { select: { displayName: true } } },
      },
    },
  });
  if (!b) return null;
  const local = toLocal(b.startsAt, b.location.timeZone);
  return {
    when: describeWhen(local.date, hhmm(local.minute), local.weekday, lang),
    services: b.items.map((i) => (lang === "en" ? i.service.nameEn : i.service.nameEs)).join(" + "),
    stylist: [...new Set(b.items.map((i) => first(i.staff.displayName)))].join(" + "),
    price: euros(b.totalPriceCents, lang),
    location: b.location.name,
    timeZone: b.location.timeZone,
  };
}

const money = (facts: Record<string, unknown>, lang: Lang) =>
  typeof facts.amountCents === "number" ? euros(facts.amountCents, lang) : "";

/** The short WhatsApp text for a notification (pure: facts and booking in, text out). */
export function renderNotification(
  kind: NotificationKind,
  facts: Record<string, unknown>,
  b: BookingFacts | null,
  lang: Lang,
): RenderedNotification {
  const timeZone = b?.timeZone ?? "Europe/Madrid";
  const es = lang === "es";
  const text = (s: string): RenderedNotification["reply"] => ({ kind: "text", text: s });
  const what = b
    ? es
      ? `${b.services} con ${b.stylist} el ${b.when}`
      : `${b.services} with ${b.stylist} on ${b.when}`
    : "";
  switch (kind) {
    case "deposit_link": {
      const amount = money(facts, lang);
      const url = String(facts.url ?? "");
      const until =
        typeof facts.expiresAt === "string" ? hhmm(toLocal(new Date(facts.expiresAt), timeZone).minute) : null;
      const s = es
        ? `${facts.resent ? "Te reenvío el enlace. " : ""}Para confirmar tu cita${what ? ` de ${what}` : ""}, paga el depósito de ${amount} aquí: ${url}${until ? ` (válido hasta las ${until})` : ""}`
        : `${facts.resent ? "Here is the link again. " : ""}To confirm your booking${what ? ` for ${what}` : ""}, pay the ${amount} deposit here: ${url}${until ? ` (valid until ${until})` : ""}`;
      return { reply: text(s), params: [amount, url] };
    }
    case "booking_confirmed": {
      const paid = facts.depositPaid ? (es ? " Hemos recibido tu depósito." : " We have received your deposit.") : "";
      const s = b
        ? es
          ? `¡Cita confirmada! ${b.services} con ${b.stylist} el ${b.when}. Precio: ${b.price}.${paid} Te esperamos en ${b.location}.`
          : `Your booking is confirmed! ${b.services} with ${b.stylist} on ${b.when}. Price: ${b.price}.${paid} See you at ${b.location}.`
        : es
          ? `¡Cita confirmada!${paid}`
          : `Your booking is confirmed!${paid}`;
      return { reply: text(s), params: b ? [b.when, b.services, b.stylist, b.price] : [] };
    }
    case "hold_expired": {
      const s = es
        ? `No hemos recibido el depósito a tiempo, así que hemos liberado la reserva${what ? ` de ${what}` : ""}. Si aún quieres la cita, escríbenos y te buscamos hueco.`
        : `We didn't receive the deposit in time, so we've released the booking${what ? ` for ${what}` : ""}. If you'd still like to come, write to us and we'll find you a slot.`;
      return { reply: text(s), params: [b?.when ?? ""] };
    }
    case "payment_failed": {
      const s = es
        ? "El pago del depósito no se ha completado. Puedes intentarlo de nuevo con el mismo enlace."
        : "The deposit payment didn't go through. You can try again with the same link.";
      return { reply: text(s), params: [] };
    }
    case "deposit_refunded": {
      const amount = money(facts, lang);
      const s = es
        ? `Te hemos devuelto ${amount}${what ? ` de la cita de ${what}` : ""}. Puede tardar unos días en aparecer en tu cuenta.`
        : `We've refunded ${amount}${what ? ` for ${what}` : ""}. It may take a few days to show in your account.`;
      return { reply: text(s), params: [amount] };
    }
    case "paid_after_expiry_refunded": {
      const s = es
        ? `Tu pago llegó cuando la reserva${what ? ` de ${what}` : ""} ya había caducado y el hueco estaba ocupado, así que te lo hemos devuelto entero. Escríbenos y te buscamos otra hora.`
        : `Your payment arrived after the booking${what ? ` for ${what}` : ""} had expired and the slot was taken, so we've refunded it in full. Write to us and we'll find another time.`;
      return { reply: text(s), params: [b?.when ?? ""] };
    }
    case "reminder": {
      const choices: AgentChoice[] = Array.isArray(facts.quickReplies)
        ? (facts.quickReplies as { id: unknown; title: unknown }[]).map((q) => ({
            id: String(q.id),
            title: String(q.title),
          }))
        : [];
      const s = es
        ? `Recordatorio: tienes cita de ${what}${b ? ` en ${b.location}` : ""}. ¿Nos confirmas que vienes?`
        : `Reminder: you have ${what}${b ? ` at ${b.location}` : ""}. Will you be there?`;
      return {
        reply: choices.length ? { kind: "choices", text: s, choices } : text(s),
        params: [b?.when ?? "", b?.services ?? "", b?.stylist ?? ""],
      };
    }
    case "waitlist_offer":
      return renderWaitlistOffer(facts as unknown as WaitlistOfferFacts, lang);
    case "waitlist_lost":
      return renderWaitlistLost(facts as unknown as WaitlistLostFacts, lang);
    case "follow_up": {
      const s = es
        ? `¡Gracias por tu visita${b ? ` a ${b.location}` : ""}! Si quieres volver, escríbenos y te buscamos hueco.`
        : `Thanks for visiting${b ? ` ${b.location}` : ""}! If you'd like to come again, just write and we'll find you a slot.`;
      return { reply: text(s), params: [b?.location ?? ""] };
    }
  }
}

export class OutboxNotifier implements CustomerNotifier {
  constructor(private readonly deps: NotifierDeps) {}

  async notify(tx: Tx, target: NotificationTarget, kind: NotificationKind, facts: Record<string, unknown>) {
    const conversation = await tx.conversation.findFirst({
      where: { customerId: target.customerId },
      orderBy: [{ lastCustomerMessageAt: { sort: "desc", nulls: "last" } }, { updatedAt: "desc" }],
    });
    if (!conversation) {
      // Booked at the desk, never wrote on WhatsApp: nowhere to send it (staff see the booking).
      this.deps.log.info({ customerId: target.customerId, kind }, "notification not sent: the customer has no chat");
      return;
    }
    const customer = await tx.customer.findUniqueOrThrow({
      where: { id: target.customerId },
      select: { language: true },
    });
    const lang: Lang = (facts.language ?? customer.language) === "en" ? "en" : "es";
    const b = await bookingFacts(tx, target.bookingId, lang);
    const rendered = renderNotification(kind, facts, b, lang);

    if (conversation.mode === "human" && !TRANSACTIONAL.has(kind)) {
      // Conversational messages wait for the bot; staff see what was held back.
      await this.note(tx, conversation, `Not sent (a person has this chat): ${kind} — ${rendered.reply.text}`);
      return;
    }
    const now = this.deps.clock();
    const closes = windowClosesAt(conversation.lastCustomerMessageAt);
    const windowOpen = conversation.channel === "sandbox" || (!!closes && closes.getTime() > now.getTime());
    if (windowOpen) {
      await enqueueOutbound(tx, this.deps, { conversation, author: "bot", reply: rendered.reply });
      return;
    }
    const name = NOTIFICATION_TEMPLATES[kind];
    const templates = configuredTemplates(this.deps.config).filter((t) => t.name === name);
    const template = templates.find((t) => t.language === lang) ?? templates[0];
    if (template) {
      await enqueueOutbound(tx, this.deps, {
        conversation,
        author: "bot",
        reply: { kind: "template", name: template.name, language: template.language, params: rendered.params },
      });
      return;
    }
    const reason = `WhatsApp's 24-hour window is ${closes ? `closed (since ${closes.toISOString()})` : "not open"} and no "${name}" template is configured (WHATSAPP_TEMPLATES)`;
    await this.failed(tx, conversation, kind, rendered.reply, reason);
  }

  private async note(tx: Tx, conversation: Conversation, text: string) {
    await tx.message.create({
      data: {
        conversationId: conversation.id,
        direction: "outbound",
        author: "system",
        kind: "note",
        body: text,
        deliveryStatus: "received",
        sentAt: this.deps.clock(),
      },
    });
  }

  private async failed(
    tx: Tx,
    conversation: Conversation,
    kind: NotificationKind,
    reply: RenderedNotification["reply"],
    reason: string,
  ) {
    const m = await tx.message.create({
      data: {
        conversationId: conversation.id,
        direction: "outbound",
        author: "bot",
        kind: reply.kind === "choices" ? "interactive" : "text",
        body: reply.text,
        choices: reply.kind === "choices" ? (reply.choices as never) : undefined,
        deliveryStatus: "failed",
        failureReason: reason,
        sentAt: this.deps.clock(),
      },
    });
    const data = { event: "delivery_failed", messageId: m.id, kind, reason };
    await appendAudit(
      tx,
      { type: "system", id: null },
      { action: "conversation.delivery_failed", entityType: "conversation", entityId: conversation.id, data },
    );
    await appendChange(tx, { entityType: "conversation", entityId: conversation.id, op: "upsert", data });
    this.deps.log.warn({ conversationId: conversation.id, kind, reason }, "notification not sendable");
  }
}
