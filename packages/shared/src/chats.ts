// WhatsApp chats in the console: the list, a transcript, and staff takeover / reply / hand-back.
import { z } from "zod";
import { bookingStatus, isoInstant, uuid } from "./common.ts";

export const chatChannel = z.enum(["chatwoot", "whatsapp_cloud", "sandbox"]);
export const chatMode = z.enum(["bot", "human"]);
export const deliveryStatus = z.enum(["received", "pending", "sent", "delivered", "read", "failed"]);

export const chatListInput = z.object({
  /** waiting = a person is needed and nobody has it yet. */
  filter: z.enum(["all", "waiting", "human", "bot"]).default("all"),
  limit: z.number().int().min(1).max(200).default(50),
});

export const chatListItem = z.object({
  id: uuid,
  channel: chatChannel,
  mode: chatMode,
  waiting: z.boolean(),
  customerId: uuid,
  customerName: z.string().nullable(),
  customerPhone: z.string().nullable(),
  assignedStaffId: uuid.nullable(),
  assignedStaffName: z.string().nullable(),
  escalationReason: z.string().nullable(),
  lastMessageAt: isoInstant.nullable(),
  lastMessagePreview: z.string().nullable(),
  /** Customer messages since the last reply (bot or staff). */
  unread: z.number().int(),
  version: z.number().int(),
});
export const chatListOutput = z.object({ items: z.array(chatListItem) });

export const chatIdInput = z.object({ conversationId: uuid });

export const chatAttachment = z.object({
  type: z.string(),
  sourceUrl: z.string().nullable(),
  storedPath: z.string().nullable(),
  mimeType: z.string().nullable(),
  bytes: z.number().int().nullable(),
});

export const chatChoice = z.object({
  id: z.string().min(1).max(200),
  title: z.string().min(1).max(100),
  description: z.string().max(72).optional(),
});

export const chatMessage = z.object({
  id: uuid,
  direction: z.enum(["inbound", "outbound"]),
  author: z.enum(["customer", "bot", "staff", "system"]),
  staffName: z.string().nullable(),
  kind: z.enum(["text", "image", "audio", "interactive", "template", "note"]),
  body: z.string().nullable(),
  attachments: z.array(chatAttachment),
  choices: z.array(chatChoice).nullable(),
  deliveryStatus: deliveryStatus,
  failureReason: z.string().nullable(),
  at: isoInstant,
});

export const chatDetail = z.object({
  conversation: chatListItem.extend({
    escalationSummary: z.string().nullable(),
    handBackNote: z.string().nullable(),
    /** When WhatsApp's 24-hour window closes (free-form replies refused after it). */
    windowClosesAt: isoInstant.nullable(),
    windowOpen: z.boolean(),
    customerLanguage: z.string(),
  }),
  messages: z.array(chatMessage),
  bookings: z.array(z.object({ id: uuid, status: bookingStatus, startsAt: isoInstant })),
  templates: z.array(z.object({ name: z.string(), language: z.string() })),
});

export const chatTakeOverInput = chatIdInput.extend({ force: z.boolean().default(false) });
export const chatReplyInput = chatIdInput.extend({
  text: z.string().trim().min(1, "Write a message").max(4096, "Message is too long (max 4096 characters)"),
  choices: z.array(chatChoice).min(1).max(10).optional(),
});
export const chatTemplateInput = chatIdInput.extend({
  name: z.string().min(1).max(512),
  language: z.string().min(2).max(10),
  params: z.array(z.string().max(1024)).max(20).default([]),
});
export const chatNoteInput = chatIdInput.extend({
  text: z.string().trim().min(1, "Write a note").max(5000, "Note is too long (max 5000 characters)"),
});
export const chatHandBackInput = chatIdInput.extend({
  note: z.string().trim().max(2000, "Note is too long (max 2000 characters)").optional(),
});

export const chatWriteOutput = z.object({
  conversationId: uuid,
  mode: chatMode,
  version: z.number().int(),
  messageId: uuid.nullable(),
});
