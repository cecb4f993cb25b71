// Scenarios 15 and 16 in guided mode (Claude mode: fixtures/claude/15.json and 16.json).
// 15: not understood twice → a person, with the reason. 16: an image is acknowledged and kept; a voice
// note is transcribed when a transcriber is configured, otherwise the customer is asked kindly to
// write; every inbound message stays in the conversation, answered by a turn.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dayLabel, dayPhrase, salonDay, salonToday } from "../testing/calendar.ts";
import { type AgentWorld, createWorld, type WorldMode } from "../testing/harness.ts";
import { mediaDir, RecordingTranscriber, storedImage, storedVoice } from "../testing/media.ts";

export function mediaEscalationSuite(mode: WorldMode, firstPhone: number) {
  let w: AgentWorld;
  let dir: string;
  let phone = firstPhone;
  const direct = mode === "direct";
  /** What the inbound message keeps: the very file (direct), or the channels' download of it (real). */
  const kept = (m: { attachments: unknown }, sent: { type: string }) => {
    const list = m.attachments as { type: string; storedPath?: string | null }[];
    if (direct) return expect(list).toEqual([sent]);
    expect(list).toHaveLength(1);
    expect(list[0]!.type).toBe(sent.type === "voice" ? "audio" : sent.type);
    expect(list[0]!.storedPath).toBeTruthy();
  };

  beforeAll(async () => {
    w = await createWorld(mode);
    dir = await mediaDir();
  }, 120_000);
  afterAll(async () => {
    await w?.drop();
  });

  /** "Quiero corte hombre el jueves por la tarde", for a day of the coming week with free afternoon men's cuts. */
  const afternoonCut = async () => {
    const cut = await w.db.service.findFirstOrThrow({ where: { locationId: w.locationId, slug: "corte-hombre" } });
    const { date } = await salonDay(w, { items: [{ serviceId: cut.id, staffId: null }], window: [14 * 60, 24 * 60] });
    return { date, text: `Quiero corte hombre ${dayPhrase(date, await salonToday(w))} por la tarde` };
  };

  describe(`guided mode: scenarios 15 and 16 (${direct ? "handleTurn directly" : "webhook → queue → agent → outbox"})`, () => {
    it("15: not understood twice → human mode with the reason and the last message", async () => {
      const chat = await w.chat(`+${phone++}`);
      await chat.say("el coso ese, ya sabes");
      expect(chat.told).toMatch(/no te he entendido/);
      let conv = await w.db.conversation.findUniqueOrThrow({ where: { id: chat.conversationId } });
      expect(conv.mode).toBe("bot");
      await chat.say("pues eso, lo del coso");
      conv = await w.db.conversation.findUniqueOrThrow({ where: { id: chat.conversationId } });
      expect(conv.mode).toBe("human");
      expect(conv.escalationReason).toBe("not_understood");
      expect(conv.escalationSummary).toMatch(/no ha entendido lo que pide.*lo del coso/);
      expect(chat.told).toMatch(/Te paso con una persona del salón/);
    });

    it("15: an understood message in between resets the count", async () => {
      const chat = await w.chat(`+${phone++}`);
      await chat.say("el coso ese");
      await chat.say("¿qué horario tenéis?");
      await chat.say("el coso otra vez");
      const conv = await w.db.conversation.findUniqueOrThrow({ where: { id: chat.conversationId } });
      expect(conv.mode).toBe("bot");
    });

    it("16: an image is acknowledged and stored with the message; the question is answered", async () => {
      const chat = await w.chat(`+${phone++}`);
      const img = await storedImage(dir);
      await chat.say("¿Cuánto cuesta un balayage como este?", { kind: "image", attachments: [img] });
      expect(chat.told).toMatch(/He recibido tu imagen/);
      expect(chat.told).toMatch(/Balayage/);
      const [m] = await w.db.message.findMany({ where: { conversationId: chat.conversationId, direction: "inbound" } });
      kept(m!, img);
      expect(m!.turnId).not.toBeNull();
    });

    it("16: a voice note without a transcriber → asked kindly to write; the note is kept", async () => {
      const chat = await w.chat(`+${phone++}`);
      const voice = await storedVoice(dir);
      await chat.say(null, { kind: "audio", attachments: [voice] });
      expect(chat.told).toMatch(/no puedo escuchar notas de voz.*¿Me lo escribes, por favor\?/s);
      const [m] = await w.db.message.findMany({ where: { conversationId: chat.conversationId, direction: "inbound" } });
      kept(m!, voice);
      expect(m!.turnId).not.toBeNull();
      // The customer writes it: the conversation carries on normally.
      const want = await afternoonCut();
      await chat.say(want.text);
      expect(chat.choices.length).toBeGreaterThan(0);
      expect(chat.choices.every((c) => c.title.startsWith(dayLabel(want.date)))).toBe(true);
    });

    it("16: a voice note with a transcriber configured → understood like text", async () => {
      const chat = await w.chat(`+${phone++}`);
      const want = await afternoonCut();
      const transcriber = new RecordingTranscriber(want.text);
      const agent = w.makeAgent({ transcriber });
      const voice = await storedVoice(dir, "note2.ogg");
      await chat.say(null, { kind: "audio", attachments: [voice] }, agent);
      // Direct: the file itself; real: the channels' download of it (waited for by the agent).
      if (direct) expect(transcriber.calls).toEqual([voice.storedPath]);
      else expect(transcriber.calls).toHaveLength(1);
      expect(chat.told).toMatch(/huecos libres/);
      expect(chat.choices.length).toBeGreaterThan(0);
      expect(chat.choices.every((c) => c.title.startsWith(dayLabel(want.date)))).toBe(true);
    });
  });
}
