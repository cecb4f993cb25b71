// Issue #21: which salon a WhatsApp number / Chatwoot inbox answers for (location_inbox). One
// account named by several locations = one number for several salons: the assistant asks which.
import { z } from "zod";
import { line } from "./input.ts";

export const inboxChannel = z.enum(["chatwoot", "whatsapp_cloud"]);

export const locationInboxInput = z.object({
  channel: inboxChannel,
  /** The Chatwoot inbox id, or the Meta phone_number_id. */
  channelAccount: line(64, { trim: true, min: 1, empty: "enter the inbox id or phone number id" }).regex(
    /^[\w.:-]+$/,
    "letters, digits, dots, colons, dashes and underscores only",
  ),
});
export type LocationInboxInput = z.infer<typeof locationInboxInput>;

export const locationInboxView = z.object({
  channel: inboxChannel,
  channelAccount: z.string(),
  /** Other locations the same account serves (their names): the assistant asks which salon. */
  sharedWith: z.array(z.string()),
});
export type LocationInboxView = z.infer<typeof locationInboxView>;
export const locationInboxesOutput = z.array(locationInboxView);
