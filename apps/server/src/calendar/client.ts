// The Google Calendar client (googleapis) and its retry policy. Auth is injected (tests give an
// OAuth2 client with a static token; production builds a JWT from GOOGLE_SERVICE_ACCOUNT_JSON —
// reference integrations.md §4.1), and GOOGLE_API_ROOT points the client at another origin (§4.7).
// The Calendar API's own entry point: "googleapis" itself loads all ~400 Google APIs (~2 s of start-up).
import { createRequire } from "node:module";
import type { calendar_v3 } from "googleapis/build/src/apis/calendar/index.js";
import type { IntegrationMode } from "../payments/integration-status.ts";
import type { AppServices } from "../services.ts";

type GoogleCalendarLib = typeof import("googleapis/build/src/apis/calendar/index.js");
let googleLib: GoogleCalendarLib | null = null;

/**
 * googleapis' Calendar entry point, loaded at its first use (~0.1 s) rather than at start-up: most
 * starts never build a client before they serve. Synchronous (a CommonJS package), so callers stay so.
 */
export function googleCalendar(): GoogleCalendarLib {
  googleLib ??= createRequire(import.meta.url)("googleapis/build/src/apis/calendar/index.js") as GoogleCalendarLib;
  return googleLib;
}

export type CalendarServices = Pick<AppServices, "config"> & Partial<Pick<AppServices, "calendarAuth">>;

/** The sandbox's static-token auth: only valid while GOOGLE_API_ROOT points at a stand-in. */
const sandboxAuths = new WeakSet<object>();
export function markSandboxAuth(auth: object): void {
  sandboxAuths.add(auth);
}

type CalendarAuth = NonNullable<AppServices["calendarAuth"]>;
/** The sandbox's auths not made yet: a stand-in object → the OAuth2 client, made at first use. */
const lazySandboxAuths = new WeakMap<object, { made?: CalendarAuth }>();

/**
 * The sandbox's static-token auth, as a stand-in that becomes an OAuth2 client when a calendar client
 * is first built (calendarFor): attaching the sandbox at start-up does not load googleapis.
 */
export function sandboxCalendarAuth(): CalendarAuth {
  const standIn = {};
  lazySandboxAuths.set(standIn, {});
  sandboxAuths.add(standIn);
  return standIn as CalendarAuth;
}

function usableAuth(a: CalendarAuth): CalendarAuth {
  const lazy = lazySandboxAuths.get(a);
  if (!lazy) return a;
  if (!lazy.made) {
    const auth = new (googleCalendar().auth.OAuth2)();
    auth.setCredentials({ access_token: "sandbox", expiry_date: Date.now() + 365 * 86_400_000 });
    lazy.made = auth;
  }
  return lazy.made;
}

/**
 * The injected auth in force: the sandbox's stops counting once the sandbox is switched off or a
 * service account is entered in Settings → Integrations (GOOGLE_API_ROOT then no longer points at it).
 */
function authOf(s: CalendarServices): CalendarServices["calendarAuth"] {
  const a = s.calendarAuth;
  return a && sandboxAuths.has(a) && !s.config.GOOGLE_API_ROOT ? undefined : a;
}

export function calendarMode(s: CalendarServices): IntegrationMode {
  if (!authOf(s) && !s.config.GOOGLE_SERVICE_ACCOUNT_JSON) return "off";
  return s.config.GOOGLE_API_ROOT ? "sandbox" : "live";
}

// Keyed by the auth object or the config, and remembering the settings it was built from: a key
// entered in Settings → Integrations rewrites the running config in place (rebuilt, no restart).
const built = new WeakMap<object, { from: string; client: calendar_v3.Calendar }>();

export function calendarFor(s: CalendarServices): calendar_v3.Calendar | null {
  const injected = authOf(s);
  const cacheKey = (injected ?? s.config) as object;
  const from = `${injected ? "" : (s.config.GOOGLE_SERVICE_ACCOUNT_JSON ?? "")}\n${s.config.GOOGLE_API_ROOT ?? ""}`;
  const cached = built.get(cacheKey);
  if (cached && cached.from === from) return cached.client;
  let auth = injected && usableAuth(injected);
  if (!auth) {
    const raw = s.config.GOOGLE_SERVICE_ACCOUNT_JSON;
    if (!raw) return null;
    const key = JSON.parse(raw) as { client_email: string; private_key: string; subject?: string };
    auth = new (googleCalendar().auth.JWT)({
      email: key.client_email,
      key: key.private_key,
      scopes: ["https://www.googleapis.com/auth/calendar"],
    });
  }
  const client = googleCalendar().calendar({
    version: "v3",
    auth,
    ...(s.config.GOOGLE_API_ROOT ? { rootUrl: s.config.GOOGLE_API_ROOT.replace(/\/?$/, "/") } : {}),
    // One retry policy, ours (withBackoff): gaxios alone would retry GET/DELETE on 429/5xx but
    // never POST/PATCH nor a 403 rate limit (§4.6).
    retry: false,
  });
  built.set(cacheKey, { from, client });
  return client;
}

export interface RetryOptions {
  attempts: number;
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { attempts: 5, baseMs: 500, maxMs: 16_000 };

interface GoogleishError {
  status?: number;
  code?: number | string;
  response?: { status?: number; data?: { error?: { errors?: { reason?: string }[] } } };
}

export function statusOf(e: unknown): number | null {
  const err = e as GoogleishError;
  const s = err?.response?.status ?? err?.status ?? (typeof err?.code === "number" ? err.code : null);
  return typeof s === "number" ? s : null;
}

export function reasonOf(e: unknown): string | null {
  return (e as GoogleishError)?.response?.data?.error?.errors?.[0]?.reason ?? null;
}

/** 403 rateLimitExceeded / userRateLimitExceeded, 429 and 5xx are worth retrying (§4.6). */
export function isRetryable(e: unknown): boolean {
  const status = statusOf(e);
  if (status === null) return true; // network error
  if (status === 429 || status >= 500) return true;
  const reason = reasonOf(e);
  return status === 403 && (reason === "rateLimitExceeded" || reason === "userRateLimitExceeded");
}

export async function withBackoff<T>(fn: () => Promise<T>, opts: RetryOptions = DEFAULT_RETRY): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!isRetryable(e) || attempt >= opts.attempts - 1) throw e;
      const delay = Math.min(opts.maxMs, opts.baseMs * 2 ** attempt);
      await new Promise((r) => setTimeout(r, delay / 2 + Math.random() * (delay / 2)));
    }
  }
}

/**
 * Event ids must be 5–1024 characters of base32hex, lower case ([a-v0-9], §4.2). The booking
 * item's UUID (16 bytes) becomes 26 such characters: the same item always gives the same id, so a
 * retried insert finds its own event (409) instead of writing a second one.
 */
export function eventIdFor(itemId: string): string {
  const bytes = Buffer.from(itemId.replace(/-/g, ""), "hex");
  const alphabet = "0123456789abcdefghijklmnopqrstuv";
  let bits = 0;
  let value = 0;
  let out = "";
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}
