// Issue #21: which salon a conversation is with. A conversation knows its location from its inbox
// (channels/inbound.ts sets conversation.location_id when exactly one location_inbox row names the
// channel account). With no row the server's default location answers (today's single-salon
// behaviour). With several rows — one number for several salons — the agent asks which salon, in
// either mode, with the salons' names as buttons/list (numbered text where the channel has none),
// and stores the answer on the conversation (audit + change log, one transaction).
import { appendAudit, appendChange } from "../changes/change-log.ts";
import type { Db } from "../db/client.ts";
import type { Channel } from "../generated/prisma/enums.ts";
import { fold, type Lang } from "./lang.ts";
import type { AgentConversation, OutboundReply } from "./port.ts";

/** Choice ids of the "which salon?" question: `location:<id>`. */
export const LOCATION_CHOICE_PREFIX = "location:";

export interface SalonOption {
  id: string;
  name: string;
  city: string;
}

export type TurnLocation =
  | { kind: "known"; locationId: string }
  /** Several salons share this number and the customer has not said which one yet. */
  | { kind: "ask"; options: SalonOption[] };

/** The location this turn answers for, or the salons to ask about. */
export async function turnLocation(
  db: Db,
  conversation: Pick<AgentConversation, "channel" | "locationId" | "channelAccount">,
  defaultLocationId: string,
): Promise<TurnLocation> {
  if (conversation.locationId) return { kind: "known", locationId: conversation.locationId };
  if (!conversation.channelAccount) return { kind: "known", locationId: defaultLocationId };
  const rows = await db.locationInbox.findMany({
    where: { channel: conversation.channel as Channel, channelAccount: conversation.channelAccount },
    select: { location: { select: { id: true, name: true, city: true } } },
    orderBy: [{ location: { name: "asc" } }, { createdAt: "asc" }],
  });
  if (rows.length === 0) return { kind: "known", locationId: defaultLocationId };
  if (rows.length === 1) return { kind: "known", locationId: rows[0]!.location.id };
  return { kind: "ask", options: rows.map((r) => r.location) };
}

/**
 * The salon the customer picked: a tapped button (`location:<id>`), its number in the list ("2"),
 * or a message naming it (accents and case ignored; the name or the city, when only one matches).
 */
export function pickedSalon(options: SalonOption[], choiceId: string | null, text: string): SalonOption | null {
  if (choiceId?.startsWith(LOCATION_CHOICE_PREFIX)) {
    const id = choiceId.slice(LOCATION_CHOICE_PREFIX.length);
    return options.find((o) => o.id === id) ?? null;
  }
  const said = fold(text);
  if (!said) return null;
  const n = /^(\d{1,2})$/.exec(said);
  if (n) return options[Number(n[1]) - 1] ?? null;
  const byName = options.filter((o) => {
    const name = fold(o.name);
    return said === name || said.includes(name) || (name.includes(said) && said.length >= 3);
  });
  if (byName.length === 1) return byName[0]!;
  const byCity = options.filter((o) => fold(o.city) && said.includes(fold(o.city)));
  return byCity.length === 1 ? byCity[0]! : null;
}

/** "Which salon?", with the salons as choices. */
export function askWhichSalon(lang: Lang, options: SalonOption[], again: boolean): OutboundReply[] {
  const text =
    lang === "es"
      ? again
        ? "Perdona, no he entendido con qué salón quieres hablar. Elige uno de la lista, por favor."
        : "¡Hola! Con este número atendemos varios salones. ¿Con cuál quieres hablar?"
      : again
        ? "Sorry, I didn't catch which salon you mean. Please pick one from the list."
        : "Hi! This number serves several salons. Which one would you like?";
  return [
    {
      kind: "choices",
      text,
      choices: options.map((o) => ({ id: `${LOCATION_CHOICE_PREFIX}${o.id}`, title: o.name, description: o.city })),
      buttonLabel: lang === "es" ? "Salones" : "Salons",
    },
  ];
}

/** Stores the customer's salon on the conversation (a first answer wins; audit + change log). */
export async function storeConversationLocation(db: Db, conversationId: string, locationId: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const { count } = await tx.conversation.updateMany({
      where: { id: conversationId, locationId: null },
      data: { locationId, version: { increment: 1 } },
    });
    if (count === 0) return;
    await appendAudit(
      tx,
      { type: "customer", id: null },
      {
        action: "conversation.location_chosen",
        entityType: "conversation",
        entityId: conversationId,
        locationId,
        data: { locationId },
      },
    );
    await appendChange(tx, {
      entityType: "conversation",
      entityId: conversationId,
      op: "upsert",
      locationId,
      data: { event: "conversation.location_chosen", locationId },
    });
  });
}
