// Issue #21: the channel accounts (Chatwoot inbox ids, Meta phone_number_ids) a location answers
// for. A conversation started on an account that exactly one location names belongs to it
// (channels/inbound.ts); an account several locations name makes the assistant ask which salon
// (agent/location-choice.ts); an account no location names is answered by the default location.
// Every write: audit + change log (entity "location") in the same transaction.
import type { LocationInboxInput, LocationInboxView } from "@cita/shared";
import { recordWrite, type Scope } from "../audit/scope.ts";

/** The current location's accounts, with the other locations sharing each one. */
export async function listLocationInboxes(scope: Scope): Promise<LocationInboxView[]> {
  const mine = await scope.db.locationInbox.findMany({
    where: { locationId: scope.locationId },
    select: { channel: true, channelAccount: true },
    orderBy: [{ channel: "asc" }, { channelAccount: "asc" }],
  });
  if (!mine.length) return [];
  const others = await scope.db.locationInbox.findMany({
    where: {
      locationId: { not: scope.locationId },
      OR: mine.map((m) => ({ channel: m.channel, channelAccount: m.channelAccount })),
    },
    select: { channel: true, channelAccount: true, location: { select: { name: true } } },
  });
  return mine.map((m) => ({
    channel: m.channel as LocationInboxView["channel"],
    channelAccount: m.channelAccount,
    sharedWith: others
      .filter((o) => o.channel === m.channel && o.channelAccount === m.channelAccount)
      .map((o) => o.location.name)
      .sort((a, b) => a.localeCompare(b)),
  }));
}

/** This location also answers on the account (already there: nothing changes). */
export async function addLocationInbox(scope: Scope, input: LocationInboxInput): Promise<LocationInboxView[]> {
  await scope.db.$transaction(async (tx) => {
    const { count } = await tx.locationInbox.createMany({
      data: [{ channel: input.channel, channelAccount: input.channelAccount, locationId: scope.locationId }],
      skipDuplicates: true,
    });
    if (count === 0) return;
    await recordWrite(tx, scope, {
      action: "location.inbox_added",
      entityType: "location",
      entityId: scope.locationId,
      audit: { channel: input.channel, channelAccount: input.channelAccount },
      change: { event: "location.inbox_added", channel: input.channel, channelAccount: input.channelAccount },
    });
  });
  return listLocationInboxes(scope);
}

/** This location no longer answers on the account (not there: nothing changes). */
export async function removeLocationInbox(scope: Scope, input: LocationInboxInput): Promise<LocationInboxView[]> {
  await scope.db.$transaction(async (tx) => {
    const { count } = await tx.locationInbox.deleteMany({
      where: { channel: input.channel, channelAccount: input.channelAccount, locationId: scope.locationId },
    });
    if (count === 0) return;
    await recordWrite(tx, scope, {
      action: "location.inbox_removed",
      entityType: "location",
      entityId: scope.locationId,
      audit: { channel: input.channel, channelAccount: input.channelAccount },
      change: { event: "location.inbox_removed", channel: input.channel, channelAccount: input.channelAccount },
    });
  });
  return listLocationInboxes(scope);
}
