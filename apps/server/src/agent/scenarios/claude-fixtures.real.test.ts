// All eighteen scenarios in Claude mode through the real product path: each customer message is a
// signed Chatwoot webhook into the real server → stored event → pg-boss → conversation lease → the
// agent (the real SDK against the fake Messages API playing fixtures/claude) → tools → outbox → the
// fake Chatwoot, deposit links and refunds through the fake Stripe; staff reply and hand back
// through the console's procedures. Same scripts and final-state checks (eval/scenarios.ts) as the
// direct run, on the seeded salon with the clock frozen at Tuesday 2026-03-10 10:00 Europe/Madrid.
import { claudeFixtureSuite } from "./claude-fixtures.suite.ts";

claudeFixtureSuite("real", 34634000100);
