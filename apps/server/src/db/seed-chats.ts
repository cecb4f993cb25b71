// The demo salon's WhatsApp chats, so a newcomer's console is not empty: two customers waiting for a
// person (one asks for someone, one has a complaint) and one the assistant is handling. They live in
// the sandbox's Chatwoot inbox (inbox 1, the conversation id is the phone's digits), so the sandbox
// phone opens the same chats. Seeded once, on a server's first start (db/database.ts), not by tests.

import { escalationSummary } from "../agent/guided/replies.ts";
import { appendAudit } from "../changes/change-log.ts";
import type { FieldCrypto } from "../crypto/field-crypto.ts";
import { upsertCustomerByPhone } from "../customers/customer-store.ts";
import type { Db } from "./client.ts";

interface DemoChat {
  phone: string;
  name: string;
  minutesAgo: number;
  customer: string[];
  bot: string;
  escalation: { reason: "customer_request" | "complaint"; why: "asked" | "complaint" } | null;
}

const HANDOVER = "Te paso con una persona del salón; te responderá aquí en cuanto pueda.";

export const DEMO_CHATS: DemoChat[] = [
  {
    phone: "+34600111231",
    name: "Nuria Campos",
    minutesAgo: 12,
    customer: [
      "Hola! Me caso el sábado 😊",
      "¿Podéis hacerme un recogido y maquillaje? Prefiero hablar con alguien del salón",
    ],
    bot: HANDOVER,
    escalation: { reason: "customer_request", why: "asked" },
  },
  {
    phone: "+34600111232",
    name: "Rocío Herrera",
    minutesAgo: 47,
    customer: ["Buenas. El tinte de la semana pasada me ha quedado mucho más oscuro de lo que pedí 😕"],
    bot: HANDOVER,
    escalation: { reason: "complaint", why: "complaint" },
  },
  {
    phone: "+34600111233",
    name: "Marta Ibáñez",
    minutesAgo: 95,
    customer: ["¿A qué hora abrís los sábados?"],
    bot: "Los sábados abrimos de 09:00 a 15:00. ¿Quieres reservar cita?",
    escalation: null,
  },
];

export async function seedDemoChats(db: Db, fc: FieldCrypto, now: Date): Promise<number> {
  let count = 0;
  for (const chat of DEMO_CHATS) {
    const externalId = chat.phone.replace(/\D/g, "");
    const exists = await db.conversation.findUnique({
      where: { channel_channelAccount_externalId: { channel: "chatwoot", channelAccount: "1", externalId } },
    });
    if (exists) continue;
    const at = (minutesAgo: number) => new Date(now.getTime() - minutesAgo * 60_000);
    await db.$transaction(async (tx) => {
      const { customer } = await upsertCustomerByPhone(tx, fc, { phone: chat.phone, name: chat.name, language: "es" });
      const last = chat.customer.at(-1)!;
      const conversation = await tx.conversation.create({
        data: {
          customerId: customer.id,
          channel: "chatwoot",
          channelAccount: "1",
          externalId,
          mode: chat.escalation ? "human" : "bot",
          lastCustomerMessageAt: at(chat.minutesAgo),
          ...(chat.escalation
            ? {
                escalatedAt: at(chat.minutesAgo - 1),
                escalationReason: chat.escalation.reason,
                escalationSummary: escalationSummary("es", chat.escalation.why, last),
              }
            : {}),
        },
      });
      await tx.message.createMany({
        data: [
          ...chat.customer.map((body, i) => ({
            conversationId: conversation.id,
            direction: "inbound" as const,
            author: "customer" as const,
            kind: "text" as const,
            body,
            externalId: `demo-${externalId}-${i}`,
            deliveryStatus: "received" as const,
            sentAt: at(chat.minutesAgo + chat.customer.length - 1 - i),
            createdAt: at(chat.minutesAgo + chat.customer.length - 1 - i),
          })),
          {
            conversationId: conversation.id,
            direction: "outbound" as const,
            author: "bot" as const,
            kind: "text" as const,
            body: chat.bot,
            externalId: `demo-${externalId}-bot`,
            deliveryStatus: "read" as const,
            sentAt: at(chat.minutesAgo - 1),
            createdAt: at(chat.minutesAgo - 1),
          },
        ],
      });
      await appendAudit(
        tx,
        { type: "system", id: "seed" },
        {
          action: chat.escalation ? "conversation.escalated" : "conversation.started",
          entityType: "conversation",
          entityId: conversation.id,
          data: { demo: true },
        },
      );
    });
    count++;
  }
  return count;
}
