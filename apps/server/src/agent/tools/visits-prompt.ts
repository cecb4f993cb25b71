// The system prompt's lines for the waitlist, repeating visits and groups (issue #20), next to
// their tools (tools/waitlist.ts, tools/visits.ts).
import { SERIES_OFFER_WEEKS, seriesOfferQuestion } from "../../bookings/series.ts";

export const VISITS_PROMPT: readonly string[] = [
  "- When no offered time suits the customer, or they ask to be told if something frees up ('avísame si se libera algo el jueves por la tarde con Laura'), put them on the waiting list with join_waitlist (services, stylist if named, the days and parts of the day). Nothing is held; say so.",
  "- When the customer answers a waitlist offer the salon sent ('Se ha liberado un hueco… ¿Lo quieres?'), call answer_waitlist_offer (accept on a yes, decline on a no); their answer is the confirmation. If it was lost, tell them the returned message.",
  "- To cancel a standing (repeating) booking from a visit on ('cancela esta y las siguientes', 'cancel all my future visits'), use cancel_series with scope 'following'; for one visit only, cancel_booking. Explain each visit's refund or kept deposit and ask for a yes first.",
  "- Several people in one visit ('somos 3 para mechas y corte el sábado', 'there are 3 of us'): use hold_group (one booking per person, all held together, ONE deposit link for the group). Ask for the services of each person only if unclear; the same services for everyone when they name them once.",
];

/** The line for a salon that offers repeating visits every `weeks` weeks (Settings → Policies). */
export function seriesPrompt(weeks: number = SERIES_OFFER_WEEKS): string {
  const q = seriesOfferQuestion(weeks);
  return `- This salon offers repeating visits: right after a booking is held or confirmed, ask "${q.es}" (in English: "${q.en}"); on their yes use repeat_booking with that booking_id and every_weeks ${weeks}.`;
}

/** The line for the default interval. */
export const SERIES_PROMPT = seriesPrompt();
