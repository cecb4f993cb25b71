// One WhatsApp conversation: the whole transcript, the bookings it touched, and the staff actions —
// take over (or take over anyway when someone else has it), reply inside the 24-hour window or send
// a template outside it, internal notes, and hand back to the assistant with a note.
import { useCallback, useEffect, useLayoutEffect, useRef, useState, useSyncExternalStore } from "react";
import { errorData, errorMessage } from "../api.ts";
import type { MessageKey } from "../i18n.ts";
import { useConsole } from "../ui/context.tsx";
import { channelLabel, escalationLabel, languageLabel } from "../ui/labels.ts";
import { ChatImage } from "./ChatImage.tsx";
import { type ChatDetail, type ChatMessage, formatRemaining, ownerOf, windowState } from "./inbox.ts";
import { canExplainTurns, TurnExplain } from "./TurnExplain.tsx";

export function Conversation(props: { conversationId: string; openBooking(id: string): void }) {
  const { api, inbox, tr, fmt, toast, session } = useConsole();
  const id = props.conversationId;
  // Changes to this conversation seen live (new messages, delivery status, takeover…).
  const touched = useSyncExternalStore(inbox.subscribe, () => inbox.getSnapshot().touched.get(id) ?? 0);
  const [detail, setDetail] = useState<ChatDetail | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  // Who has the chat (the server's own message is for developers: the box says it in the console's words).
  const [conflict, setConflict] = useState<{ name: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [now, setNow] = useState(() => Date.now());
  const me = session.staff?.id ?? null;

  const load = useCallback(async () => {
    try {
      const d = await api.chats.get.query({ conversationId: id });
      setDetail(d);
      setLoadError(null);
      inbox.markSeen(id, d.conversation.lastMessageAt);
    } catch (e) {
      setLoadError(errorMessage(e));
    }
  }, [api, inbox, id]);

  useEffect(() => {
    void touched;
    void load();
  }, [load, touched]);

  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(t);
  }, []);

  // A conversation opens at its newest message, and follows new ones while the reader is at the end
  // (scrolled up to read older ones, it stays where it is).
  const transcript = useRef<HTMLOListElement | null>(null);
  const atEnd = useRef(true);
  const shownFor = useRef<string | null>(null);
  const count = detail?.messages.length ?? 0;
  useLayoutEffect(() => {
    const el = transcript.current;
    if (!el || !count) return;
    if (shownFor.current !== id || atEnd.current) el.scrollTop = el.scrollHeight;
    shownFor.current = id;
  }, [id, count]);

  if (loadError && !detail) return <section className="conversation error">{loadError}</section>;
  if (!detail) return <section className="conversation muted">{tr.t("loading")}</section>;

  const c = detail.conversation;
  const mine = c.mode === "human" && c.assignedStaffId === me;
  const someoneElse = c.mode === "human" && !!c.assignedStaffId && c.assignedStaffId !== me;
  const win = windowState(c.windowClosesAt, now);

  const run = async (what: () => Promise<unknown>, done?: string): Promise<boolean> => {
    setBusy(true);
    try {
      await what();
      if (done) toast({ kind: "info", text: done });
      await load();
      void inbox.refresh();
      return true;
    } catch (e) {
      const owner = ownerOf(errorData(e).details);
      if (owner) setConflict({ name: owner.name });
      else toast({ kind: "error", text: errorMessage(e) });
      await load();
      return false;
    } finally {
      setBusy(false);
    }
  };

  const takeOver = (force: boolean) =>
    run(async () => {
      await api.chats.takeOver.mutate({ conversationId: id, force });
      setConflict(null);
    }, tr.t("tookOver"));

  return (
    <section
      className="conversation"
      data-testid="conversation"
      data-conversation-id={id}
      data-mode={c.mode}
      data-mine={mine}
    >
      <header className="conv-head">
        <div>
          <h2>
            <a href={`#/customers/${c.customerId}`} data-testid="conv-customer">
              {c.customerName ?? c.customerPhone ?? "…"}
            </a>
          </h2>
          <p className="muted small">
            {[c.customerPhone, channelLabel(c.channel, tr.lang), languageLabel(c.customerLanguage, tr.lang)]
              .filter(Boolean)
              .join(" · ")}
          </p>
        </div>
        <div className="conv-state">
          <span className={`badge mode ${c.mode}`} data-testid="conv-mode">
            {c.mode === "human" ? tr.t("modeHuman") : tr.t("modeBot")}
          </span>
          <span className="small" data-testid="conv-owner">
            {c.mode !== "human"
              ? ""
              : mine
                ? tr.t("handledByYou")
                : c.assignedStaffName
                  ? `${tr.t("handledBy")}: ${c.assignedStaffName}`
                  : tr.t("nobodyYet")}
          </span>
          <WindowBadge win={win} />
        </div>
      </header>
      {/* Why the assistant handed over: useful while a person has the chat, gone once handed back. */}
      {c.mode === "human" && (c.escalationReason || c.escalationSummary) ? (
        <div className="escalation-box" data-testid="conv-escalation" data-reason={c.escalationReason ?? undefined}>
          {c.escalationReason ? (
            <p>
              <strong>{tr.t("escalationReason")}:</strong> {escalationLabel(c.escalationReason, tr.lang)}
            </p>
          ) : null}
          {c.escalationSummary ? (
            <p>
              <strong>{tr.t("escalationSummary")}:</strong> {c.escalationSummary}
            </p>
          ) : null}
        </div>
      ) : null}
      {c.handBackNote && c.mode === "bot" ? (
        <p className="notice small">
          {tr.t("handBackNoteLabel")}: {c.handBackNote}
        </p>
      ) : null}

      <ol
        className="transcript"
        data-testid="transcript"
        ref={transcript}
        onScroll={(e) => {
          const el = e.currentTarget;
          atEnd.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
      >
        {detail.messages.map((m) => (
          <MessageRow key={m.id} m={m} conversationId={id} explain={canExplainTurns(session.staff?.role)} />
        ))}
      </ol>

      {detail.bookings.length ? (
        <div className="conv-bookings" data-testid="conv-bookings">
          <h3>{tr.t("bookingsTouched")}</h3>
          <ul className="plain">
            {detail.bookings.map((b) => (
              <li key={b.id}>
                <button
                  type="button"
                  className="link"
                  data-testid="conv-booking"
                  data-booking-id={b.id}
                  onClick={() => props.openBooking(b.id)}
                >
                  {fmt.dateTime(b.startsAt)} · {tr.status(b.status)}
                </button>
              </li>
            ))}
          </ul>
        </div>
      ) : null}

      {conflict ? (
        <div className="notice conflict" data-testid="conflict" role="alert">
          <p>
            <strong data-testid="conflict-owner">{conflict.name}</strong> {tr.t("takenBy")}
          </p>
          <div className="actions">
            <button type="button" data-testid="take-over-anyway" disabled={busy} onClick={() => void takeOver(true)}>
              {tr.t("takeOverAnyway")}
            </button>
            <button type="button" onClick={() => setConflict(null)}>
              {tr.t("cancel")}
            </button>
          </div>
        </div>
      ) : null}

      <div className="conv-actions">
        {!mine ? (
          <div className="actions">
            <button
              type="button"
              className="primary"
              data-testid="take-over"
              disabled={busy}
              onClick={() => void takeOver(false)}
            >
              {tr.t("takeOver")}
            </button>
            {someoneElse ? null : <span className="muted small">{tr.t("takeOverToReply")}</span>}
          </div>
        ) : win.state === "open" || win.state === "closing" ? (
          <Composer
            testId="reply"
            placeholder={tr.t("writeReply")}
            action={tr.t("send")}
            busy={busy}
            onSubmit={(text) => run(() => api.chats.reply.mutate({ conversationId: id, text }), tr.t("replySent"))}
          />
        ) : (
          <TemplateForm detail={detail} busy={busy} run={run} />
        )}
        {mine ? <HandBack busy={busy} run={run} conversationId={id} /> : null}
        <details className="note-box">
          <summary>{tr.t("internalNote")}</summary>
          <Composer
            testId="note"
            placeholder={tr.t("writeNote")}
            action={tr.t("addNote")}
            busy={busy}
            onSubmit={(text) => run(() => api.chats.note.mutate({ conversationId: id, text }), tr.t("noteAdded"))}
          />
        </details>
      </div>
    </section>
  );
}

function WindowBadge({ win }: { win: ReturnType<typeof windowState> }) {
  const { tr } = useConsole();
  const text =
    win.state === "none"
      ? tr.t("windowNone")
      : win.state === "closed"
        ? tr.t("windowClosed")
        : `${win.state === "closing" ? tr.t("windowClosing") : tr.t("windowOpen")} · ${formatRemaining(
            win.remainingMs,
            tr.t("minutes"),
          )} ${tr.t("remaining")}`;
  return (
    <span className={`badge window ${win.state}`} data-testid="window" data-state={win.state}>
      {text}
    </span>
  );
}

function MessageRow({ m, conversationId, explain }: { m: ChatMessage; conversationId: string; explain: boolean }) {
  const { tr, fmt, bridge } = useConsole();
  const who = m.author === "staff" && m.staffName ? m.staffName : tr.t(`author_${m.author}` as MessageKey);
  const outbound = m.direction === "outbound";
  return (
    <li
      className={`msg ${m.author} ${m.kind === "note" ? "note" : ""} ${outbound ? "out" : "in"}`}
      data-testid="message"
      data-author={m.author}
      data-kind={m.kind}
      data-message-id={m.id}
    >
      <div className="msg-meta small muted">
        <span>{who}</span>
        {m.kind === "note" ? <span className="badge">{tr.t("internalNote")}</span> : null}
        {m.kind === "template" ? <span className="badge">{tr.t("template")}</span> : null}
        <span>{fmt.dateTime(m.at)}</span>
        {outbound && m.kind !== "note" ? (
          <span className={`delivery ${m.deliveryStatus}`} data-testid="delivery" data-status={m.deliveryStatus}>
            {tr.t(`delivery_${m.deliveryStatus}` as MessageKey)}
            {m.deliveryStatus === "failed" && m.failureReason ? `: ${m.failureReason}` : ""}
          </span>
        ) : null}
      </div>
      {m.body ? <p className="msg-body">{m.body}</p> : null}
      {m.attachments.map((a, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: attachments have no id and never reorder
        <div key={i} className="attachment" data-testid="attachment" data-type={a.type}>
          <span>
            {a.type === "image"
              ? `🖼 ${tr.t("image")}`
              : a.type === "audio"
                ? `🎤 ${tr.t("voiceNote")}`
                : `📎 ${a.type}`}
          </span>
          {a.mimeType ? <span className="muted small"> {a.mimeType}</span> : null}
          {a.bytes ? <span className="muted small"> · {Math.max(1, Math.round(a.bytes / 1024))} KB</span> : null}
          {a.storedPath ? <span className="muted small"> · {tr.t("storedOnServer")}</span> : null}
          {a.type === "image" && a.storedPath ? (
            <ChatImage conversationId={conversationId} messageId={m.id} index={i} alt={tr.t("image")} />
          ) : null}
          {a.sourceUrl?.startsWith("https:") ? (
            <button type="button" className="link small" onClick={() => void bridge.openExternal(a.sourceUrl!)}>
              {tr.t("openSource")}
            </button>
          ) : a.sourceUrl ? (
            <span className="muted small">
              {" "}
              · {tr.t("openSource")}: {a.sourceUrl}
            </span>
          ) : null}
        </div>
      ))}
      {m.choices?.length ? (
        <ul className="choices">
          {m.choices.map((ch) => (
            <li key={ch.id}>{ch.title}</li>
          ))}
        </ul>
      ) : null}
      {explain && m.author === "bot" && m.turnId ? (
        <TurnExplain conversationId={conversationId} turnId={m.turnId} />
      ) : null}
    </li>
  );
}

function Composer(props: {
  testId: string;
  placeholder: string;
  action: string;
  busy: boolean;
  onSubmit(text: string): Promise<boolean>;
}) {
  const [text, setText] = useState("");
  const submit = async () => {
    if (!text.trim()) return;
    if (await props.onSubmit(text.trim())) setText("");
  };
  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <textarea
        data-testid={`${props.testId}-text`}
        placeholder={props.placeholder}
        aria-label={props.placeholder}
        value={text}
        rows={2}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            void submit();
          }
        }}
      />
      <button type="submit" data-testid={`${props.testId}-send`} disabled={props.busy || !text.trim()}>
        {props.action}
      </button>
    </form>
  );
}

function TemplateForm(props: {
  detail: ChatDetail;
  busy: boolean;
  run(what: () => Promise<unknown>, done?: string): Promise<boolean>;
}) {
  const { api, tr } = useConsole();
  const templates = props.detail.templates;
  const preferred =
    templates.find((t) => t.language === props.detail.conversation.customerLanguage) ?? templates[0] ?? null;
  const [choice, setChoice] = useState(preferred ? `${preferred.name}|${preferred.language}` : "");
  const [params, setParams] = useState("");
  if (!templates.length) return <p className="muted small">{tr.t("noTemplates")}</p>;
  const [name, language] = choice.split("|") as [string, string];
  return (
    <form
      className="template-form"
      data-testid="template-form"
      onSubmit={(e) => {
        e.preventDefault();
        void props.run(
          () =>
            api.chats.sendTemplate.mutate({
              conversationId: props.detail.conversation.id,
              name,
              language,
              params: params
                .split("\n")
                .map((p) => p.trim())
                .filter(Boolean),
            }),
          tr.t("sendTemplate"),
        );
      }}
    >
      <label>
        {tr.t("template")}{" "}
        <select data-testid="template-select" value={choice} onChange={(e) => setChoice(e.target.value)}>
          {templates.map((t) => (
            <option key={`${t.name}|${t.language}`} value={`${t.name}|${t.language}`}>
              {t.name} ({t.language})
            </option>
          ))}
        </select>
      </label>
      <label>
        {tr.t("templateParams")}
        <textarea rows={2} value={params} onChange={(e) => setParams(e.target.value)} />
      </label>
      <button type="submit" data-testid="template-send" disabled={props.busy}>
        {tr.t("sendTemplate")}
      </button>
    </form>
  );
}

function HandBack(props: {
  conversationId: string;
  busy: boolean;
  run(what: () => Promise<unknown>, done?: string): Promise<boolean>;
}) {
  const { api, tr } = useConsole();
  const [note, setNote] = useState("");
  return (
    <form
      className="hand-back"
      onSubmit={(e) => {
        e.preventDefault();
        void props
          .run(
            () =>
              api.chats.handBack.mutate({
                conversationId: props.conversationId,
                ...(note.trim() ? { note: note.trim() } : {}),
              }),
            tr.t("handedBack"),
          )
          .then((ok) => ok && setNote(""));
      }}
    >
      <input
        data-testid="hand-back-note"
        placeholder={tr.t("handBackHint")}
        aria-label={tr.t("handBackHint")}
        value={note}
        onChange={(e) => setNote(e.target.value)}
      />
      <button type="submit" data-testid="hand-back" disabled={props.busy}>
        {tr.t("handBack")}
      </button>
    </form>
  );
}
