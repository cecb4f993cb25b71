import { availabilityInput, slotOutput } from "@cita/shared";
import { z } from "zod";
import { clearInput } from "../../audit/input.ts";
import { findSlots, slotView } from "../../availability/find.ts";
import { router } from "../init.ts";
import { procedureFor } from "../procedures.ts";

export const availabilityRouter = router({
  search: procedureFor("calendar.read")
    .input(clearInput(availabilityInput))
    .output(z.array(slotOutput))
    .query(async ({ ctx, input }) => {
      const slots = await findSlots(ctx.db, {
        locationId: ctx.auth.loc,
        items: input.items,
        fromDate: input.fromDate,
        toDate: input.toDate,
        now: ctx.clock(),
        ...(input.limit ? { limit: input.limit } : {}),
      });
      return slots.map(slotView);
    }),
});
