// Scenarios 15 and 16 in guided mode, driven into handleTurn directly (Claude mode: fixtures/claude/15.json
// and 16.json). media-escalation.real.test.ts runs the same suite through the real path.
import { mediaEscalationSuite } from "./media-escalation.suite.ts";

mediaEscalationSuite("direct", 34655000100);
