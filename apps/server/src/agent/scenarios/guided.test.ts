// Guided-mode scenarios driven into the agent's handleTurn directly (fast unit-level run; the
// killed-turn resume test lives here). guided.real.test.ts runs the same suite through the real path.
import { guidedSuite } from "./guided.suite.ts";

guidedSuite("direct", 34611000100);
