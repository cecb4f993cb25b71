// Guided-mode scenarios 1–14 and 17 through the real product path: every customer message is a
// signed Chatwoot webhook into the real server → stored event → pg-boss → conversation lease → the
// guided agent → tools → outbox → the fake Chatwoot (deposit links as Stripe Checkout sessions in
// the fake Stripe); staff reply and hand back through the console's procedures. Same assertions as
// the direct run (guided.suite.ts), on the database and on what reached Chatwoot.
import { guidedSuite } from "./guided.suite.ts";

guidedSuite("real", 34612000100);
