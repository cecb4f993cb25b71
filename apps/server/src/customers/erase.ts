// Erasing a customer (right to erasure): their personal data is removed or anonymised everywhere
// Cita keeps it, while bookings keep what the reports add up (status, times, prices, deposits,
// services, stylists, payments and refund amounts).
//
//   customer          phone, name and notes ciphertexts and the phone's blind index cleared (a new
//                     message from that number creates a new customer), consent withdrawn, erased_at
//                     set; language and the no-show count stay (no one can be told apart by them).
//                     Records merged into this one are erased with it.
//   booking           guest name, notes, cancellation reason and the link to the chat removed;
//                     refund reasons replaced; calendar events re-pushed (their title had the first name)
//   waitlist_wish     the customer's words (note) and the chat link removed, open wishes cancelled and
//                     their open offers ended; services, dates and offers stay (reports count refills)
//   conversation      deleted, with its messages, outbox payloads, agent turns (transcripts) and tool
//                     calls (cascade); stored media files deleted from <data dir>/media after commit
//   webhook_event     raw bodies (and headers) of the deliveries that carried the person's number or
//                     were about their chats, and Stripe events about their payments, replaced with
//                     {"erased":true}; WhatsApp dedup keys (message ids encode the number) replaced
//   audit_log,        entries about the customer, their bookings, chats and payments lose every free-text
//   change_log        field; any other entry holding their phone, name or notes loses that value
//   treatment_record  colour/treatment records (#21) deleted with their photo rows; the encrypted photo
//                     files deleted from <data dir>/treatments after commit (counted in mediaFiles)
//   patch_test        skin-allergy tests (#21: health data, notes encrypted) deleted
//   audit             one "customer.erase" entry with counts only
//
// Refused while the customer has an upcoming active booking (held, awaiting deposit, confirmed or
// checked in, not yet over): cancelling it decides refunds and tells the customer, which is the
// manager's call, so the error lists those bookings and the manager cancels them first. Refused too
// while the assistant is mid-turn in one of their chats (it would write the transcript back).
// Outside Cita's database: Chatwoot / WhatsApp and Stripe keep their own copies (their own tools erase
// those), and Google Calendar events are rewritten by the calendar pusher without the name.
import { readdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import { hhmm, recordWrite, type Scope } from "../audit/scope.ts";
import { appendChange } from "../changes/change-log.ts";
import type { Tx } from "../db/client.ts";
import { AppError } from "../errors/app-error.ts";
import type { BookingStatus } from "../generated/prisma/enums.ts";
import { toLocal } from "../time/zoned.ts";
import { logBookingsChanged } from "./booking-changes.ts";
import { erasePatchTestRows } from "./patch-tests.ts";
import {
  attachmentsOf,
  buildSecrets,
  ERASED,
  insideDir,
  type MediaOptions,
  phonePattern,
  type RelatedIds,
  redactJson,
  relatedAuditWhere,
  secretMatcher,
  secretsSqlPattern,
  treatmentsDirFor,
} from "./personal-data.ts";
import { eraseTreatmentRows, removeTreatmentFiles } from "./treatment-photos.ts";

export interface CustomerErase {
  customerId: string;
  version?: number;
}

export interface CustomerEraseResult {
  customerId: string;
  erasedAt: string;
  bookings: number;
  conversations: number;
  messages: number;
  mediaFiles: number;
  webhookEvents: number;
  auditEntriesRedacted: number;
  changeEntriesRedacted: number;
  mergedRecords: number;
}

const ACTIVE: BookingStatus[] = ["held", "pending_deposit", "confirmed", "checked_in"];
const ERASED_BODY = JSON.stringify({ erased: true });

async function refuseUpcoming(tx: Tx, ids: string[], now: Date): Promise<void> {
  const upcoming = await tx.booking.findMany({
    where: { customerId: { in: ids }, status: { in: ACTIVE }, endsAt: { gt: now } },
    orderBy: { startsAt: "asc" },
    select: { id: true, startsAt: true, status: true, location: { select: { name: true, timeZone: true } } },
  });
  if (!upcoming.length) return;
  const list = upcoming.map((b) => {
    const l = toLocal(b.startsAt, b.location.timeZone);
    return `${l.date} ${hhmm(l.minute)} (${b.location.name}, ${b.status})`;
  });
  throw new AppError(
    "PRECONDITION_FAILED",
    `This customer has ${upcoming.length === 1 ? "an upcoming booking" : `${upcoming.length} upcoming bookings`}: ` +
      `${list.join("; ")}. Cancel ${upcoming.length === 1 ? "it" : "them"} first (that decides any deposit refund), then erase.`,
    { bookings: upcoming.map((b) => ({ id: b.id, startsAt: b.startsAt.toISOString(), status: b.status })) },
  );
}

/** Webhook deliveries carrying this person's data: their number, their Chatwoot chats, their Stripe payments. */
async function webhookEventsOf(
  tx: Tx,
  phones: string[],
  chatwoot: { account: string; externalId: string }[],
  stripeIds: string[],
): Promise<string[]> {
  const found = new Set<string>();
  for (const phone of phones) {
    const rows = await tx.$queryRaw<{ id: string }[]>`
      SELECT id::text FROM webhook_event WHERE raw_body ~ ${phonePattern(phone)}`;
    for (const r of rows) found.add(r.id);
  }
  if (chatwoot.length) {
    // Status changes name the conversation (and the contact's name) but not always the number.
    const keys = new Set(chatwoot.map((c) => `${c.account}/${c.externalId}`));
    const idAlternatives = [...new Set(chatwoot.map((c) => c.externalId.replace(/\D/g, "")))].filter(Boolean);
    if (idAlternatives.length) {
      const rows = await tx.$queryRaw<{ id: string; raw_body: string }[]>`
        SELECT id::text, raw_body FROM webhook_event
         WHERE source = 'chatwoot' AND raw_body ~ ${`"id"\\s*:\\s*(${idAlternatives.join("|")})([^0-9]|$)`}`;
      for (const r of rows) {
        try {
          const b = JSON.parse(r.raw_body) as {
            id?: unknown;
            inbox_id?: unknown;
            inbox?: { id?: unknown };
            conversation?: { id?: unknown; inbox_id?: unknown };
          };
          const candidates = [
            `${b.inbox_id ?? b.inbox?.id}/${b.id}`,
            `${b.conversation?.inbox_id}/${b.conversation?.id}`,
            `${b.inbox?.id}/${b.conversation?.id}`,
          ];
          if (candidates.some((k) => keys.has(k))) found.add(r.id);
        } catch {
          // not JSON: cannot be about a conversation
        }
      }
    }
  }
  if (stripeIds.length) {
    // Only settled events: one still waiting to be processed needs its body (the payment it reports).
    const rows = await tx.$queryRaw<{ id: string }[]>`
      SELECT id::text FROM webhook_event
       WHERE source = 'stripe' AND status IN ('processed', 'ignored')
         AND raw_body LIKE ANY(${stripeIds.map((s) => `%${s}%`)}::text[])`;
    for (const r of rows) found.add(r.id);
  }
  return [...found];
}

/** Rewrites audit_log or change_log data: rows about the customer lose free text, any row loses the secrets. */
async function redactLog(
  tx: Tx,
  table: "audit_log" | "change_log",
  related: RelatedIds,
  matcher: ReturnType<typeof secretMatcher>,
  pattern: string | null,
): Promise<number> {
  const idColumn = table === "audit_log" ? "id" : "version";
  const about =
    table === "audit_log"
      ? await tx.auditLog.findMany({ where: relatedAuditWhere(related), select: { id: true, data: true } })
      : await tx.changeLog.findMany({
          where: {
            OR: [
              { entityType: "customer", entityId: { in: related.customerIds } },
              { entityType: "booking", entityId: { in: related.bookingIds } },
              { entityType: "conversation", entityId: { in: related.conversationIds } },
            ],
          },
          select: { version: true, data: true },
        });
  const rows = new Map<bigint, { data: unknown; related: boolean }>();
  for (const r of about) rows.set("id" in r ? r.id : r.version, { data: r.data, related: true });
  if (pattern) {
    const hits =
      table === "audit_log"
        ? await tx.$queryRaw<{ key: bigint; data: unknown }[]>`
            SELECT id AS key, data FROM audit_log WHERE data IS NOT NULL AND data::text ~* ${pattern}`
        : await tx.$queryRaw<{ key: bigint; data: unknown }[]>`
            SELECT version AS key, data FROM change_log WHERE data IS NOT NULL AND data::text ~* ${pattern}`;
    for (const h of hits) if (!rows.has(BigInt(h.key))) rows.set(BigInt(h.key), { data: h.data, related: false });
  }
  let n = 0;
  for (const [key, r] of rows) {
    if (r.data === null || r.data === undefined) continue;
    const out = redactJson(r.data, matcher, r.related);
    if (!out.changed) continue;
    n++;
    if (idColumn === "id") await tx.auditLog.update({ where: { id: key }, data: { data: out.value as never } });
    else await tx.changeLog.update({ where: { version: key }, data: { data: out.value as never } });
  }
  return n;
}

async function removeMedia(mediaDir: string | null | undefined, paths: string[], messageIds: string[]) {
  if (!mediaDir) return 0;
  const targets = new Set(paths.filter((p) => insideDir(mediaDir, p)));
  // Also any file a media job stored for these messages after we read them (named <messageId>-<n>.<ext>).
  try {
    for (const f of await readdir(mediaDir)) {
      if (messageIds.some((id) => f.startsWith(`${id}-`))) targets.add(join(mediaDir, f));
    }
  } catch {
    // no media directory: nothing stored
  }
  let n = 0;
  for (const p of targets) {
    try {
      await unlink(p);
      n++;
    } catch {
      // already gone
    }
  }
  return n;
}

export async function eraseCustomer(
  scope: Scope,
  input: CustomerErase,
  media: MediaOptions = {},
): Promise<CustomerEraseResult> {
  const fc = scope.fc;
  const now = scope.clock();
  const files: { paths: string[]; messageIds: string[]; treatments: string[] } = {
    paths: [],
    messageIds: [],
    treatments: [],
  };
  const result = await scope.db.$transaction(
    async (tx: Tx): Promise<CustomerEraseResult> => {
      const locked = await tx.$queryRaw<{ id: string }[]>`
        SELECT id::text FROM customer WHERE id = ${input.customerId}::uuid OR merged_into_id = ${input.customerId}::uuid
         ORDER BY id FOR UPDATE`;
      const c = await tx.customer.findUnique({ where: { id: input.customerId } });
      if (!c || !locked.length) throw new AppError("NOT_FOUND", "Customer not found");
      if (c.mergedIntoId) {
        throw new AppError("PRECONDITION_FAILED", "This customer was merged into another one: erase that one", {
          mergedIntoId: c.mergedIntoId,
        });
      }
      if (c.erasedAt) throw new AppError("PRECONDITION_FAILED", "This customer's data has already been erased");
      if (input.version !== undefined && input.version !== c.version) {
        throw new AppError(
          "CONFLICT",
          `The customer was changed by someone else (you saw version ${input.version}, it is now at version ${c.version}); reload and try again`,
          { currentVersion: c.version },
        );
      }
      const merged = await tx.customer.findMany({ where: { mergedIntoId: c.id } });
      const customerIds = [c.id, ...merged.map((m) => m.id)];
      await refuseUpcoming(tx, customerIds, now);

      const conversations = await tx.$queryRaw<
        { id: string; channel: string; channel_account: string; external_id: string; busy: boolean }[]
      >`
        SELECT id::text, channel::text, channel_account, external_id,
               (lease_owner IS NOT NULL AND lease_expires_at > now()) AS busy
          FROM conversation WHERE customer_id = ANY(${customerIds}::uuid[]) ORDER BY id FOR UPDATE`;
      if (conversations.some((x) => x.busy)) {
        throw new AppError(
          "CONFLICT",
          "The assistant is answering this customer right now; try again in a couple of minutes",
        );
      }
      const conversationIds = conversations.map((x) => x.id);

      // What to look for elsewhere: every value we are about to destroy, decrypted once.
      const everyone = [c, ...merged];
      const phones = everyone.flatMap((x) => (x.phoneCipher ? [fc.decrypt(x.phoneCipher)] : []));
      const names = everyone.flatMap((x) => (x.nameCipher ? [fc.decrypt(x.nameCipher)] : []));
      const notes = everyone.flatMap((x) => (x.notesCipher ? [fc.decrypt(x.notesCipher)] : []));
      const bookings = await tx.booking.findMany({
        where: { customerId: { in: customerIds } },
        select: {
          id: true,
          locationId: true,
          guestNameCipher: true,
          notes: true,
          payments: { select: { id: true, checkoutSessionId: true, paymentIntentId: true } },
        },
      });
      for (const b of bookings) {
        if (b.guestNameCipher) names.push(fc.decrypt(b.guestNameCipher));
        if (b.notes) notes.push(b.notes);
      }
      const wishes = await tx.waitlistWish.findMany({
        where: { customerId: { in: customerIds } },
        select: { id: true, noteCipher: true },
      });
      for (const w of wishes) if (w.noteCipher) notes.push(fc.decrypt(w.noteCipher));
      const secrets = buildSecrets({ phones, names, notes });
      const matcher = secretMatcher(secrets);
      const payments = bookings.flatMap((b) => b.payments);

      // Webhook deliveries, before the conversations they name are gone.
      const chatwoot = conversations
        .filter((x) => x.channel === "chatwoot")
        .map((x) => ({ account: x.channel_account, externalId: x.external_id }));
      const stripeIds = payments
        .flatMap((p) => [p.checkoutSessionId, p.paymentIntentId])
        .filter((s): s is string => !!s);
      const eventIds = await webhookEventsOf(tx, phones, chatwoot, stripeIds);
      if (eventIds.length) {
        await tx.$executeRaw`
          UPDATE webhook_event
             SET raw_body = ${ERASED_BODY}, headers = '{}'::jsonb, last_error = NULL,
                 dedup_key = CASE WHEN source = 'whatsapp_cloud' THEN 'erased:' || id::text ELSE dedup_key END,
                 status = CASE WHEN status IN ('received', 'processing', 'failed') THEN 'ignored'::"WebhookStatus" ELSE status END
           WHERE id = ANY(${eventIds}::uuid[])`;
      }

      // Messages and their media, then the conversations (messages, outbox, turns, tool calls cascade).
      const messages = await tx.message.findMany({
        where: { conversationId: { in: conversationIds } },
        select: { id: true, attachments: true },
      });
      files.messageIds = messages.map((m) => m.id);
      files.paths = messages.flatMap((m) =>
        attachmentsOf(m.attachments).flatMap((a) => (a.storedPath ? [a.storedPath] : [])),
      );
      await tx.booking.updateMany({
        where: { conversationId: { in: conversationIds } },
        data: { conversationId: null },
      });
      await tx.conversation.deleteMany({ where: { id: { in: conversationIds } } });
      // Colour/treatment records (#21): rows now, their photo files after commit.
      const treatments = await eraseTreatmentRows(tx, customerIds);
      files.treatments = treatments.storageKeys;
      await erasePatchTestRows(tx, customerIds);

      // Bookings keep their figures; the words go.
      await tx.booking.updateMany({
        where: { customerId: { in: customerIds } },
        data: { guestNameCipher: null, notes: null, cancelReason: null, version: { increment: 1 } },
      });
      // Waitlist wishes keep what the reports count (offers, what came of them); their words go, and
      // open ones end (no more offers to someone erased).
      const wishIds = wishes.map((w) => w.id);
      await tx.waitlistOffer.updateMany({
        where: { wishId: { in: wishIds }, status: { in: ["sent", "held_for_quiet_hours"] } },
        data: { status: "expired" },
      });
      await tx.waitlistWish.updateMany({
        where: { id: { in: wishIds }, status: { in: ["waiting", "offered"] } },
        data: { status: "cancelled" },
      });
      await tx.waitlistWish.updateMany({
        where: { id: { in: wishIds } },
        data: { noteCipher: null, conversationId: null, version: { increment: 1 } },
      });
      await tx.refund.updateMany({ where: { paymentId: { in: payments.map((p) => p.id) } }, data: { reason: ERASED } });
      await tx.calendarEvent.updateMany({
        where: { bookingId: { in: bookings.map((b) => b.id) }, wanted: true },
        data: { written: false },
      });

      const erased = {
        phoneCipher: null,
        phoneHash: null,
        nameCipher: null,
        nameTokens: [], // the name's search tokens (name-index.ts) go with it
        notesCipher: null,
        marketingConsent: false,
        consentAt: null,
        erasedAt: now,
      };
      if (merged.length) await tx.customer.updateMany({ where: { mergedIntoId: c.id }, data: erased });
      const after = await tx.customer.update({ where: { id: c.id }, data: { ...erased, version: { increment: 1 } } });

      const related: RelatedIds = {
        customerIds,
        bookingIds: bookings.map((b) => b.id),
        conversationIds,
        paymentIds: payments.map((p) => p.id),
      };
      const pattern = secretsSqlPattern(secrets);
      const auditEntriesRedacted = await redactLog(tx, "audit_log", related, matcher, pattern);
      const changeEntriesRedacted = await redactLog(tx, "change_log", related, matcher, pattern);

      const counts = {
        bookings: bookings.length,
        conversations: conversationIds.length,
        messages: messages.length,
        webhookEvents: eventIds.length,
        auditEntriesRedacted,
        changeEntriesRedacted,
        mergedRecords: merged.length,
      };
      // The entry itself holds no personal data: ids of rows that remain, and counts.
      await recordWrite(tx, scope, {
        action: "customer.erase",
        entityType: "customer",
        entityId: c.id,
        audit: {
          ...counts,
          mediaFiles: files.paths.length + files.treatments.length,
          treatmentRecords: treatments.records,
          mergedIds: merged.map((m) => m.id),
        },
        change: { version: after.version, erased: true },
      });
      await logBookingsChanged(
        tx,
        bookings.map((b) => b.id),
        "customer_erased",
      );
      for (const id of conversationIds) {
        await appendChange(tx, { entityType: "conversation", entityId: id, op: "delete", data: { event: "erased" } });
      }
      return { customerId: c.id, erasedAt: now.toISOString(), mediaFiles: 0, ...counts };
    },
    { timeout: 60_000, maxWait: 10_000 },
  );
  result.mediaFiles =
    (await removeMedia(media.mediaDir, files.paths, files.messageIds)) +
    (await removeTreatmentFiles(treatmentsDirFor(media), files.treatments));
  return result;
}
