import { createContext, useContext, useSyncExternalStore } from "react";
import type { CitaBridge } from "../../shared/bridge.ts";
import type { Api } from "../api.ts";
import type { ChatInbox } from "../chats/inbox.ts";
import type { Formatter } from "../format.ts";
import type { Lang, Translator } from "../i18n.ts";
import type { Replica } from "../replica/replica.ts";
import type { Session } from "../session.ts";
import type { ConsoleStore, Snapshot } from "../store.ts";

export interface Toast {
  kind: "info" | "error";
  text: string;
  detail?: string[];
}

export interface ConsoleContext {
  api: Api;
  store: ConsoleStore;
  inbox: ChatInbox;
  session: Session;
  bridge: CitaBridge;
  serverUrl: string;
  tr: Translator;
  fmt: Formatter;
  setLang(l: Lang): void;
  toast(t: Toast): void;
  /** Whether payments.resendLink exists on this server. */
  canResendLink: boolean;
  /** The local replica (null for roles that keep none). */
  replica: Replica | null;
  /** Working from the replica: the server cannot be reached. */
  offline: boolean;
}

export const Ctx = createContext<ConsoleContext | null>(null);

export function useConsole(): ConsoleContext {
  const c = useContext(Ctx);
  if (!c) throw new Error("console context missing");
  return c;
}

export function useSnapshot(): Snapshot {
  const { store } = useConsole();
  return useSyncExternalStore(store.subscribe, store.getSnapshot);
}
