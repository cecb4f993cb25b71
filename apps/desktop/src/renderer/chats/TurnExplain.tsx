// "Why did the assistant say this?": under a bot reply, managers and owners open the agent turn that
// wrote it — which mode answered, each step in plain words (what it looked up and what it found), and
// what a "yes" from the customer would do. Read from the server (chats.turn) in the console's
// language; front desk does not see the button (the server refuses them too).
import { useState } from "react";
import { errorMessage } from "../api.ts";
import type { Lang } from "../i18n.ts";
import { useConsole } from "../ui/context.tsx";

const WORDS: Record<Lang, { why: string; hide: string; loading: string; mode: string; steps: string; none: string }> = {
  es: {
    why: "¿Por qué respondió esto?",
    hide: "Ocultar",
    loading: "Cargando…",
    mode: "Respondió",
    steps: "Qué hizo",
    none: "Respondió sin consultar nada.",
  },
  en: {
    why: "Why this reply?",
    hide: "Hide",
    loading: "Loading…",
    mode: "Answered by",
    steps: "What it did",
    none: "It answered without looking anything up.",
  },
};

type Turn = Awaited<ReturnType<ReturnType<typeof useConsole>["api"]["chats"]["turn"]["query"]>>;

export function canExplainTurns(role: string | null | undefined): boolean {
  return role === "owner" || role === "manager";
}

export function TurnExplain(props: { conversationId: string; turnId: string }) {
  const { api, tr } = useConsole();
  const w = WORDS[tr.lang];
  const [open, setOpen] = useState(false);
  const [turn, setTurn] = useState<Turn | null>(null);
  const [error, setError] = useState<string | null>(null);

  const toggle = async () => {
    if (open) return setOpen(false);
    setOpen(true);
    if (turn) return;
    try {
      setTurn(
        await api.chats.turn.query({ conversationId: props.conversationId, turnId: props.turnId, language: tr.lang }),
      );
      setError(null);
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  return (
    <div className="turn-explain" data-testid="turn-explain">
      <button type="button" className="link small" onClick={() => void toggle()} aria-expanded={open}>
        {open ? w.hide : w.why}
      </button>
      {open ? (
        <div className="turn-details small" data-testid="turn-details">
          {error ? <p className="error">{error}</p> : null}
          {!turn && !error ? <p className="muted">{w.loading}</p> : null}
          {turn ? (
            <>
              <p>
                <strong>{w.mode}:</strong> {turn.mode}
              </p>
              {turn.problem ? <p className="error">{turn.problem}</p> : null}
              <p>
                <strong>{w.steps}:</strong>
              </p>
              {turn.steps.length ? (
                <ol>
                  {turn.steps.map((s, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: a turn's steps never reorder
                    <li key={i} className={s.failed ? "failed" : undefined} data-testid="turn-step">
                      {s.title}
                      {s.details.length ? (
                        <ul>
                          {s.details.map((d, j) => (
                            // biome-ignore lint/suspicious/noArrayIndexKey: fixed lines of one step
                            <li key={j}>{d}</li>
                          ))}
                        </ul>
                      ) : null}
                    </li>
                  ))}
                </ol>
              ) : (
                <p className="muted">{w.none}</p>
              )}
              {turn.proposal ? <p data-testid="turn-proposal">{turn.proposal}</p> : null}
            </>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
