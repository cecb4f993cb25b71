// "Test connection" in Settings → Integrations: one harmless call to the provider with the settings
// in force (the environment's or the console's), answered as ok or a readable reason — never a 5xx,
// never a secret (a provider that echoes a key back has it scrubbed).
import type { IntegrationKind } from "@cita/shared";
import { googleCalendar } from "../calendar/client.ts";
import { createStripe } from "../payments/stripe-client.ts";
import { sandboxOf } from "../sandbox/sandbox.ts";
import type { AppServices } from "../services.ts";
import { scrubSecrets } from "./status.ts";

const TIMEOUT_MS = 10_000;

export interface TestResult {
  ok: boolean;
  message: string;
}

async function getJson(url: string, headers: Record<string, string>): Promise<Response> {
  return fetch(url, { headers: { accept: "application/json", ...headers }, signal: AbortSignal.timeout(TIMEOUT_MS) });
}

async function run(kind: IntegrationKind, s: Pick<AppServices, "config" | "calendarAuth">): Promise<TestResult> {
  const c = s.config;
  switch (kind) {
    case "stripe": {
      if (!c.STRIPE_SECRET_KEY) return { ok: false, message: "Not configured: enter the secret key first" };
      // A read any restricted key with events access may make, and the fake supports.
      const stripe = createStripe(c.STRIPE_SECRET_KEY, c.STRIPE_API_BASE, {
        maxNetworkRetries: 0,
        timeout: TIMEOUT_MS,
      });
      await stripe.events.list({ limit: 1 });
      return {
        ok: true,
        message: /^(sk|rk)_live_/.test(c.STRIPE_SECRET_KEY)
          ? "Stripe answered (live key)"
          : "Stripe answered (test key)",
      };
    }
    case "chatwoot": {
      if (!c.CHATWOOT_BASE_URL || !c.CHATWOOT_API_TOKEN || !c.CHATWOOT_ACCOUNT_ID)
        return { ok: false, message: "Not configured: enter the URL, account id and API token first" };
      const res = await getJson(
        `${c.CHATWOOT_BASE_URL.replace(/\/$/, "")}/api/v1/accounts/${c.CHATWOOT_ACCOUNT_ID}/inboxes`,
        { api_access_token: c.CHATWOOT_API_TOKEN },
      );
      if (res.status === 401) return { ok: false, message: "Chatwoot refused the API token (401)" };
      if (!res.ok) return { ok: false, message: `Chatwoot answered ${res.status}` };
      return { ok: true, message: "Chatwoot answered: the token can read the account's inboxes" };
    }
    case "whatsapp": {
      if (!c.WHATSAPP_ACCESS_TOKEN) return { ok: false, message: "Not configured: enter the access token first" };
      const res = await getJson(`${c.WHATSAPP_GRAPH_URL.replace(/\/$/, "")}/me?fields=id`, {
        authorization: `Bearer ${c.WHATSAPP_ACCESS_TOKEN}`,
      });
      if (res.status === 401 || res.status === 190) return { ok: false, message: "Meta refused the access token" };
      if (!res.ok) return { ok: false, message: `Meta's Graph API answered ${res.status}` };
      return { ok: true, message: "Meta's Graph API accepted the access token" };
    }
    case "google_calendar": {
      if (sandboxOf(s)?.plan.calendar) return { ok: true, message: "Running on the local sandbox stand-in" };
      const raw = c.GOOGLE_SERVICE_ACCOUNT_JSON;
      if (!raw) return { ok: false, message: "Not configured: paste the service account's JSON key first" };
      const key = JSON.parse(raw) as { client_email: string; private_key: string };
      // googleapis' Calendar entry point, loaded at first use (calendar/client.ts).
      const jwt = new (googleCalendar().auth.JWT)({
        email: key.client_email,
        key: key.private_key,
        scopes: ["https://www.googleapis.com/auth/calendar"],
      });
      await jwt.authorize();
      return { ok: true, message: `Google issued a token for ${key.client_email}` };
    }
    case "claude": {
      if (!c.ANTHROPIC_API_KEY) return { ok: false, message: "Not configured: enter the API key first" };
      const { loadClaudeSdk } = await import("../agent/claude.ts"); // the SDK loads at first use
      const Anthropic = await loadClaudeSdk();
      const client = new Anthropic({
        apiKey: c.ANTHROPIC_API_KEY,
        baseURL: c.ANTHROPIC_BASE_URL,
        maxRetries: 0,
        timeout: TIMEOUT_MS,
      });
      await client.messages.create({
        model: c.ANTHROPIC_MODEL,
        max_tokens: 1,
        messages: [{ role: "user", content: "ping" }],
      });
      return { ok: true, message: `Claude answered (${c.ANTHROPIC_MODEL})` };
    }
  }
}

/** Calls the provider with the settings in force; any failure becomes a message, not an error. */
export async function testConnection(
  kind: IntegrationKind,
  s: Pick<AppServices, "config" | "calendarAuth" | "log">,
): Promise<TestResult> {
  let result: TestResult;
  try {
    result = await run(kind, s);
  } catch (e) {
    const err = e as { status?: number; message?: string; name?: string };
    const text = `${err.status ? `${err.status}: ` : ""}${err.name === "TimeoutError" ? "no answer in 10 s" : (err.message ?? String(e))}`;
    result = { ok: false, message: scrubSecrets(text, s.config).slice(0, 300) };
  }
  s.log.info({ integration: kind, ok: result.ok, result: result.message }, "integration connection test");
  return result;
}
