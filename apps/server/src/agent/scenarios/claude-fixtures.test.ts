// All eighteen scenarios in Claude mode, scripted (fixtures/claude), driven into handleTurn directly:
// the fast unit-level run. claude-fixtures.real.test.ts runs the same scripts and checks through the
// real webhook → queue → agent → tools → outbox path.
import { claudeFixtureSuite } from "./claude-fixtures.suite.ts";

claudeFixtureSuite("direct", 34633000100);
