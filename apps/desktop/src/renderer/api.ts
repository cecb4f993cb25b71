// The tRPC client: queries and mutations batched over HTTP with a bearer token, the change
// stream over SSE with the token as a connection parameter (EventSource cannot send headers).
import {
  createTRPCClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  TRPCClientError,
  type TRPCLink,
} from "@trpc/client";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { observable } from "@trpc/server/observable";
import type { AppRouter } from "../../../server/src/trpc/router.ts";

export type { AppRouter };
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type Booking = RouterOutputs["bookings"]["get"];
export type Slot = RouterOutputs["availability"]["search"][number];
export type StaffMember = RouterOutputs["staff"]["list"][number];
export type Service = RouterOutputs["services"]["list"][number];
export type Location = RouterOutputs["locations"]["get"];
export type AuditEntry = RouterOutputs["audit"]["list"]["items"][number];
export type MoneyDecision = RouterOutputs["bookings"]["previewCancel"];

/** Calls `onAuthFailure` whenever the server says our access is gone (revoked session, disabled staff). */
export function authFailureLink(onAuthFailure: () => void): TRPCLink<AppRouter> {
  return () =>
    ({ next, op }) =>
      observable((observer) => {
        const sub = next(op).subscribe({
          next: (v) => observer.next(v),
          error: (e) => {
            if (isAuthFailure(e)) onAuthFailure();
            observer.error(e);
          },
          complete: () => observer.complete(),
        });
        return () => sub.unsubscribe();
      });
}

/** The header naming the location a call acts on (issue #21); absent = the staff's home location. */
export const LOCATION_HEADER = "x-cita-location";

export function createApi(
  baseUrl: string,
  getToken: () => Promise<string | null>,
  onAuthFailure: () => void = () => {},
  /** The location the console shows (issue #21), read on every call; null = the home location. */
  getLocation: () => string | null = () => null,
) {
  const url = `${baseUrl.replace(/\/+$/, "")}/trpc`;
  return createTRPCClient<AppRouter>({
    links: [
      authFailureLink(onAuthFailure),
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({
          url,
          // Evaluated on every (re)connection, so a resumed stream carries a fresh token.
          connectionParams: async () => {
            const location = getLocation();
            return { token: (await getToken()) ?? "", ...(location ? { location } : {}) };
          },
        }),
        false: httpBatchLink({
          url,
          // The batch's procedure names form one path parameter, and Fastify refuses path
          // parameters over 100 characters (maxParamLength) with 414: keep batches small.
          maxItems: 6,
          maxURLLength: 4000,
          headers: async () => {
            const token = await getToken();
            const location = getLocation();
            return {
              ...(token ? { authorization: `Bearer ${token}` } : {}),
              ...(location ? { [LOCATION_HEADER]: location } : {}),
            };
          },
        }),
      }),
    ],
  });
}
export type Api = ReturnType<typeof createApi>;

interface ErrorData {
  code?: string;
  httpStatus?: number;
  appCode?: string;
  details?: Record<string, unknown>;
}

export function errorData(e: unknown): ErrorData {
  if (e instanceof TRPCClientError) return (e.data ?? {}) as ErrorData;
  return {};
}

export function isAuthFailure(e: unknown): boolean {
  const d = errorData(e);
  return d.code === "UNAUTHORIZED" || d.appCode === "UNAUTHENTICATED";
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The server's refusals a front desk meets every day, in the console's language (the server writes
 * English for logs and API callers); anything else as the server wrote it.
 */
const DAILY_REFUSALS: Record<string, { es: string; en: string }> = {
  SLOT_TAKEN: { es: "Esa hora se acaba de ocupar", en: "That time has just been taken" },
  NOT_BOOKABLE: {
    es: "Esa hora está fuera del horario, es demasiado pronto o demasiado lejos",
    en: "That time is outside opening or working hours, too soon, or too far ahead",
  },
  STALE: { es: "Otra persona cambió esta cita; vuelve a abrirla", en: "Someone else changed this booking; reload it" },
  RATE_LIMITED: { es: "Demasiados intentos; espera un poco", en: "Too many attempts; wait a moment" },
  UNAVAILABLE: { es: "El servicio no está disponible ahora mismo", en: "The service is not available right now" },
  PATCH_TEST_REQUIRED: {
    es: "Para este servicio hace falta una prueba de alergia válida antes de la cita",
    en: "This service needs a valid patch test before the visit",
  },
  // Issue #21: every basin, station or room of a kind the visit needs is held then.
  RESOURCE_TAKEN: {
    es: "A esa hora no queda libre el puesto o la cabina que necesita el servicio",
    en: "The station or room the service needs is not free at that time",
  },
};

export function localizedError(e: unknown, lang: "es" | "en"): string {
  const d = errorData(e);
  const stale = d.appCode === "CONFLICT" && /changed by someone else/i.test(errorMessage(e));
  const resource = d.appCode === "SLOT_TAKEN" && Array.isArray(d.details?.resources) && d.details.resources.length > 0;
  const known = DAILY_REFUSALS[stale ? "STALE" : resource ? "RESOURCE_TAKEN" : (d.appCode ?? "")];
  return known ? known[lang] : errorMessage(e);
}

/** Alternatives the server suggests when a time is taken or not bookable. */
export function alternativesOf(e: unknown): Slot[] {
  const alts = errorData(e).details?.alternatives;
  return Array.isArray(alts) ? (alts as Slot[]) : [];
}

/**
 * Whether a procedure exists on the server, without calling it: tRPC answers 404 for an unknown
 * path and 405 for a GET to a mutation. Used for features other modules add later.
 */
export async function procedureExists(baseUrl: string, path: string, token: string | null): Promise<boolean> {
  try {
    const r = await fetch(`${baseUrl.replace(/\/+$/, "")}/trpc/${path}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return r.status !== 404;
  } catch {
    return false;
  }
}
