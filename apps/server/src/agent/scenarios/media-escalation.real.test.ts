// Scenarios 15 and 16 in guided mode through the real product path: signed Chatwoot webhooks (media
// as Chatwoot data_urls the channels download) → queue → the guided agent → outbox → the fake Chatwoot.
import { mediaEscalationSuite } from "./media-escalation.suite.ts";

mediaEscalationSuite("real", 34656000100);
