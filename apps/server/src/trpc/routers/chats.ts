import {
  chatDetail,
  chatHandBackInput,
  chatIdInput,
  chatListInput,
  chatListOutput,
  chatMediaInput,
  chatMediaOutput,
  chatNoteInput,
  chatReplyInput,
  chatTakeOverInput,
  chatTemplateInput,
  chatTurnInput,
  chatTurnOutput,
  chatWriteOutput,
} from "@cita/shared";
import { explainTurn } from "../../agent/explain.ts";
import { clearInput } from "../../audit/input.ts";
import {
  addNote,
  type ChatScope,
  getChat,
  handBack,
  listChats,
  staffReply,
  staffTemplate,
  takeOver,
} from "../../channels/conversations.ts";
import { mediaPreview } from "../../channels/media-preview.ts";
import type { AppContext } from "../context.ts";
import { router } from "../init.ts";
import { procedureFor } from "../procedures.ts";

function chatScope(ctx: AppContext & { auth: { sub: string } }): ChatScope {
  return {
    db: ctx.db,
    fc: ctx.fc,
    clock: ctx.clock,
    config: ctx.config,
    jobs: ctx.jobs,
    staffId: ctx.auth.sub,
    // Issue #21: the list follows the location the console shows.
    locationId: (ctx.auth as { loc?: string }).loc ?? null,
  };
}

export const chatsRouter = router({
  list: procedureFor("chats.use")
    .input(clearInput(chatListInput))
    .output(chatListOutput)
    .query(({ ctx, input }) => listChats(chatScope(ctx), input)),
  get: procedureFor("chats.use")
    .input(clearInput(chatIdInput))
    .output(chatDetail)
    .query(({ ctx, input }) => getChat(chatScope(ctx), input.conversationId)),
  media: procedureFor("chats.use")
    .input(clearInput(chatMediaInput))
    .output(chatMediaOutput)
    .query(({ ctx, input }) => mediaPreview({ db: ctx.db, dataDir: ctx.config.CITA_DATA_DIR }, input)),
  turn: procedureFor("chats.explain")
    .input(clearInput(chatTurnInput))
    .output(chatTurnOutput)
    .query(({ ctx, input }) =>
      explainTurn(ctx.db, { conversationId: input.conversationId, turnId: input.turnId, lang: input.language }),
    ),
  takeOver: procedureFor("chats.use")
    .input(clearInput(chatTakeOverInput))
    .output(chatWriteOutput)
    .mutation(({ ctx, input }) => takeOver(chatScope(ctx), input)),
  reply: procedureFor("chats.use")
    .input(clearInput(chatReplyInput))
    .output(chatWriteOutput)
    .mutation(({ ctx, input }) => staffReply(chatScope(ctx), input)),
  sendTemplate: procedureFor("chats.use")
    .input(clearInput(chatTemplateInput))
    .output(chatWriteOutput)
    .mutation(({ ctx, input }) => staffTemplate(chatScope(ctx), input)),
  note: procedureFor("chats.use")
    .input(clearInput(chatNoteInput))
    .output(chatWriteOutput)
    .mutation(({ ctx, input }) => addNote(chatScope(ctx), input)),
  handBack: procedureFor("chats.use")
    .input(clearInput(chatHandBackInput))
    .output(chatWriteOutput)
    .mutation(({ ctx, input }) => handBack(chatScope(ctx), input)),
});
