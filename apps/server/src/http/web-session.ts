// The browser console's session: the refresh token never reaches the page's scripts. Sign-in sets
// it in an httpOnly cookie that only the refresh route sees; refresh rotates it there; sign-out revokes
// it and clears it. The page keeps the 15-minute access token in memory only. (Electron keeps using
// auth.login/auth.refresh with the token in the OS store through safeStorage.)
//
//   POST   /auth/web/login    {email, password, persist}  → sets the cookie, answers the access token
//   POST   /auth/web/session                              → rotates the cookie, answers a new access token
//   DELETE /auth/web/session                              → revokes the sign-in, clears the cookie
//
// Cross-site request forgery: the cookie is SameSite=Strict (a browser never sends it with a request
// started by another site), scoped to Path=/auth/web/session (no other route receives it), and the three
// routes also require the custom header `x-cita-refresh: 1` and a same-origin Sec-Fetch-Site when the
// browser sends one. A custom header cannot be sent cross-origin without a CORS preflight, which this
// server never approves; a plain HTML form cannot send it at all. So another site can neither refresh
// (and read the new access token), nor sign someone out, nor sign them into another account.
import { loginInput } from "@cita/shared";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { formatIssues } from "../audit/input.ts";
import { login } from "../auth/login.ts";
import { type IssuedTokens, logoutByRefreshToken, refreshSession } from "../auth/sessions.ts";
import { AppError, isAppError } from "../errors/app-error.ts";
import type { AppServices } from "../trpc/context.ts";

export const WEB_SESSION_PATH = "/auth/web/session";
export const WEB_LOGIN_PATH = "/auth/web/login";
export const REFRESH_COOKIE = "cita_refresh";
/** The header every call must carry (see the CSRF note above). */
export const REFRESH_HEADER = "x-cita-refresh";

const webLoginInput = loginInput.extend({ persist: z.boolean().optional() });

/** What the page gets: no refresh token. */
function grant(t: IssuedTokens) {
  return { accessToken: t.accessToken, accessTokenExpiresAt: t.accessTokenExpiresAt, staff: t.staff };
}

/** Cookie value: "p." (kept after the browser closes) or "s." (a browser-session cookie) + the token. */
function cookieValue(persist: boolean, token: string) {
  return `${persist ? "p" : "s"}.${token}`;
}

export function readRefreshCookie(header: string | undefined): { persist: boolean; token: string } | null {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0 || part.slice(0, eq).trim() !== REFRESH_COOKIE) continue;
    const m = /^([ps])\.([\w-]{1,200})$/.exec(part.slice(eq + 1).trim());
    if (m) return { persist: m[1] === "p", token: m[2]! };
  }
  return null;
}

function setCookie(req: FastifyRequest, reply: FastifyReply, value: string, maxAgeS: number | null) {
  const attrs = [
    `${REFRESH_COOKIE}=${value}`,
    `Path=${WEB_SESSION_PATH}`,
    "HttpOnly",
    "SameSite=Strict",
    // req.protocol follows X-Forwarded-Proto only from a trusted proxy (TRUST_PROXY).
    ...(req.protocol === "https" ? ["Secure"] : []),
    ...(maxAgeS === null ? [] : [`Max-Age=${maxAgeS}`]),
  ];
  if (maxAgeS === 0) attrs.push("Expires=Thu, 01 Jan 1970 00:00:00 GMT");
  reply.header("set-cookie", attrs.join("; "));
}

function keep(req: FastifyRequest, reply: FastifyReply, issued: IssuedTokens, persist: boolean, now: Date) {
  const maxAge = persist
    ? Math.max(0, Math.round((Date.parse(issued.refreshTokenExpiresAt) - now.getTime()) / 1000))
    : null;
  setCookie(req, reply, cookieValue(persist, issued.refreshToken), maxAge);
}

function clear(req: FastifyRequest, reply: FastifyReply) {
  setCookie(req, reply, "", 0);
}

function sendError(reply: FastifyReply, e: AppError) {
  return reply
    .code(e.httpStatus)
    .send({ code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) });
}

/** The CSRF checks every route makes; an error to send, or null. */
function refusedOrigin(req: FastifyRequest): AppError | null {
  if (req.headers[REFRESH_HEADER] !== "1") return new AppError("FORBIDDEN", `Missing ${REFRESH_HEADER} header`);
  const site = req.headers["sec-fetch-site"];
  if (typeof site === "string" && site !== "same-origin")
    return new AppError("FORBIDDEN", "Cross-site request refused");
  return null;
}

export async function registerWebSession(app: FastifyInstance, services: AppServices): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook("onSend", async (_req, reply) => {
      reply.header("cache-control", "no-store");
    });
    const client = (req: FastifyRequest) => ({ ip: req.ip, userAgent: req.headers["user-agent"] ?? null });
    const guard = async <T>(reply: FastifyReply, fn: () => Promise<T>) => {
      try {
        return await fn();
      } catch (e) {
        if (isAppError(e)) return sendError(reply, e);
        services.log.error({ err: e }, "web session route failed");
        return sendError(reply, new AppError("INTERNAL", "Something went wrong"));
      }
    };

    scope.post(WEB_LOGIN_PATH, (req, reply) =>
      guard(reply, async () => {
        const refused = refusedOrigin(req);
        if (refused) throw refused;
        const parsed = webLoginInput.safeParse(req.body);
        if (!parsed.success) throw new AppError("BAD_INPUT", formatIssues(parsed.error.issues));
        const { persist = false, ...input } = parsed.data;
        const issued = await login(services, input, client(req));
        keep(req, reply, issued, persist, services.clock());
        return grant(issued);
      }),
    );

    scope.post(WEB_SESSION_PATH, (req, reply) =>
      guard(reply, async () => {
        const refused = refusedOrigin(req);
        if (refused) throw refused;
        const kept = readRefreshCookie(req.headers.cookie);
        if (!kept) return reply.code(401).send({ code: "NO_SESSION", message: "Not signed in" });
        try {
          const issued = await refreshSession(services, kept.token, client(req));
          keep(req, reply, issued, kept.persist, services.clock());
          return grant(issued);
        } catch (e) {
          // A refused token is gone for good: stop the browser sending it.
          if (isAppError(e) && e.code === "UNAUTHENTICATED") clear(req, reply);
          throw e;
        }
      }),
    );

    scope.delete(WEB_SESSION_PATH, (req, reply) =>
      guard(reply, async () => {
        const refused = refusedOrigin(req);
        if (refused) throw refused;
        const kept = readRefreshCookie(req.headers.cookie);
        const ended = kept ? await logoutByRefreshToken(services, kept.token) : { endedSessions: 0 };
        clear(req, reply);
        return ended;
      }),
    );
  });
}
