// WhatsApp chats in the console: the list, a transcript, and staff takeover / reply / hand-back.
import { z } from "zod";
import { bookingStatus, isoInstant, uuid } from "./common.ts";
import { int, line, list, text } from "./input.ts";

export const chatChannel = z.enum(["chatwoot", "whatsapp_cloud", "sandbox"]);
export const chatMode = z.enum(["bot", "human"]);
export const deliveryStatus = z.enum(["received", "pending", "sent", "delivered", "read", "failed"]);

export const chatListInput = z.object({
  /** waiting = a person is needed and nobody has it yet. */
  filter: z.enum(["all", "waiting", "human", "bot"]).default("all"),
  limit: int(1, 200).default(50),
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

/** A button or list row as stored and shown (written by staff or the agent). */
export const chatChoice = z.object({
  id: z.string().min(1).max(200),
  title: z.string().min(1).max(100),
  description: z.string().max(72).optional(),
});
/** A choice a staff member sends: the same bounds, one line each. */
const chatChoiceInput = z.object({
  id: line(200, { min: 1 }),
  title: line(100, { min: 1 }),
  description: line(72).optional(),
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
  /** The agent turn that wrote a bot reply (chats.turn explains it to managers and owners). */
  turnId: uuid.nullable().default(null),
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

export const chatMediaInput = chatIdInput.extend({
  messageId: uuid,
  index: z.number().int().min(0).max(20),
});
/** A customer's image, scaled down for the screen (≤ 1024 px a side, JPEG, no metadata). */
export const chatMediaOutput = z.object({
  mimeType: z.string(),
  dataUrl: z.string(),
  width: z.number().int(),
  height: z.number().int(),
});

export const chatTurnInput = chatIdInput.extend({
  turnId: uuid,
  language: z.enum(["es", "en"]).default("es"),
});
/** One agent turn in plain words: mode, each step with what it asked and got, the proposal it left. */
export const chatTurnOutput = z.object({
  mode: z.string(),
  status: z.string(),
  startedAt: isoInstant,
  finishedAt: isoInstant.nullable(),
  steps: z.array(z.object({ title: z.string(), details: z.array(z.string()), failed: z.boolean() })),
  proposal: z.string().nullable(),
  problem: z.string().nullable(),
});

export const chatTakeOverInput = chatIdInput.extend({ force: z.boolean().default(false) });
export const chatReplyInput = chatIdInput.extend({
  text: text(4096, {
    trim: true,
    min: 1,
    empty: "Write a message",
    tooLong: "Message is too long (max 4096 characters)",
  }),
  choices: list(chatChoiceInput, 10, 1).optional(),
});
export const chatTemplateInput = chatIdInput.extend({
  name: line(512, { min: 1 }),
  language: line(10, { min: 2 }),
  // WhatsApp refuses newlines and tabs in template parameters: one line each.
  params: list(line(1024), 20).default([]),
});
export const chatNoteInput = chatIdInput.extend({
  text: text(5000, { trim: true, min: 1, empty: "Write a note", tooLong: "Note is too long (max 5000 characters)" }),
});
export const chatHandBackInput = chatIdInput.extend({
  note: text(2000, { trim: true, tooLong: "Note is too long (max 2000 characters)" }).optional(),
});

export const chatWriteOutput = z.object({
  conversationId: uuid,
  mode: chatMode,
  version: z.number().int(),
  messageId: uuid.nullable(),
});
