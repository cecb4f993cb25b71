// The chats page: the inbox (waiting for a person first, then active ones) and the open conversation.
import { useSyncExternalStore } from "react";
import { useConsole } from "../ui/context.tsx";
import { escalationLabel } from "../ui/labels.ts";
import { Conversation } from "./Conversation.tsx";
import { type ChatItem, inboxGroup, unreadFor } from "./inbox.ts";

export function Chats(props: { conversationId: string | null; openBooking(id: string): void }) {
  const { inbox, tr } = useConsole();
  const snap = useSyncExternalStore(inbox.subscribe, inbox.getSnapshot);
  const groups = [
    ["waiting", tr.t("waitingForPerson")],
    ["human", tr.t("activeChats")],
    ["bot", tr.t("botChats")],
  ] as const;
  return (
    <section className="chats" data-testid="chats">
      <nav className="inbox" data-testid="inbox" aria-label={tr.t("inbox")}>
        {snap.error ? <p className="error">{snap.error}</p> : null}
        {snap.loaded && !snap.items.length ? <p className="muted">{tr.t("noChats")}</p> : null}
        {groups.map(([g, title]) => {
          const items = snap.items.filter((c) => inboxGroup(c) === g);
          if (!items.length) return null;
          return (
            <div key={g} className={`inbox-group ${g}`} data-group={g}>
              <h3>{title}</h3>
              {items.map((c) => (
                <InboxRow key={c.id} c={c} active={c.id === props.conversationId} unread={unreadFor(c, snap.seen)} />
              ))}
            </div>
          );
        })}
      </nav>
      {props.conversationId ? (
        <Conversation
          key={props.conversationId}
          conversationId={props.conversationId}
          openBooking={props.openBooking}
        />
      ) : (
        <p className="muted pick">{tr.t("pickChat")}</p>
      )}
    </section>
  );
}

function InboxRow({ c, active, unread }: { c: ChatItem; active: boolean; unread: number }) {
  const { tr, fmt, inbox, session } = useConsole();
  const summary = c.waiting ? inbox.summaryOf(c) : null;
  const mine = c.assignedStaffId && c.assignedStaffId === session.staff?.id;
  return (
    <a
      href={`#/chats/${c.id}`}
      className={`inbox-row${active ? " active" : ""}${c.waiting ? " waiting" : ""}`}
      aria-current={active}
      data-testid="inbox-row"
      data-conversation-id={c.id}
      data-waiting={c.waiting}
      data-mode={c.mode}
    >
      <span className="who">
        <strong>{c.customerName ?? c.customerPhone ?? "…"}</strong>
        {unread ? (
          <span className="badge unread" data-testid="unread" title={tr.t("unread")}>
            {unread}
          </span>
        ) : null}
        <span className="muted small when">{c.lastMessageAt ? fmt.dateTime(c.lastMessageAt) : ""}</span>
      </span>
      {c.waiting ? (
        <span className="escalation" data-testid="inbox-escalation" data-reason={c.escalationReason ?? undefined}>
          {c.escalationReason ? <span>{escalationLabel(c.escalationReason, tr.lang)}</span> : null}
          {summary ? <span className="muted small"> — {summary}</span> : null}
        </span>
      ) : null}
      <span className="preview muted small">{c.lastMessagePreview ?? ""}</span>
      {c.mode === "human" && c.assignedStaffName ? (
        <span className="small owner" data-testid="inbox-owner">
          {mine ? tr.t("handledByYou") : `${tr.t("handledBy")}: ${c.assignedStaffName}`}
        </span>
      ) : null}
    </a>
  );
}
