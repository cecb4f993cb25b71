import {
  staffAddDateOverrideInput,
  staffAddTimeOffInput,
  staffCreateInput,
  staffGetScheduleInput,
  staffListInput,
  staffLocationsInput,
  staffLocationsView,
  staffRemoveDateOverrideInput,
  staffRemoveTimeOffInput,
  staffScheduleView,
  staffSetLocationsInput,
  staffSetServicesInput,
  staffSetWeeklyScheduleInput,
  staffUpdateInput,
  staffView,
} from "@cita/shared";
import { z } from "zod";
import { clearInput } from "../../audit/input.ts";
import { scopeFrom } from "../../audit/scope.ts";
import { getStaffLocations, setStaffLocations } from "../../staff/locations.ts";
import {
  addDateOverride,
  addTimeOff,
  getSchedule,
  removeDateOverride,
  removeTimeOff,
  setWeeklySchedule,
} from "../../staff/schedules.ts";
import { setStaffServices } from "../../staff/skills.ts";
import { createStaff, listStaff, updateStaff } from "../../staff/staff.ts";
import { router } from "../init.ts";
import { procedureFor } from "../procedures.ts";

export const staffRouter = router({
  list: procedureFor("catalog.read")
    .input(clearInput(staffListInput))
    .output(z.array(staffView))
    .query(({ ctx, input }) => listStaff(scopeFrom(ctx), input)),
  create: procedureFor("staff.manage")
    .input(clearInput(staffCreateInput))
    .output(staffView)
    .mutation(({ ctx, input }) => createStaff(scopeFrom(ctx), input)),
  update: procedureFor("staff.manage")
    .input(clearInput(staffUpdateInput))
    .output(staffView)
    .mutation(({ ctx, input }) => updateStaff(scopeFrom(ctx), input)),
  /** Issue #21: the other locations a stylist also works at. */
  locations: procedureFor("calendar.read")
    .input(clearInput(staffLocationsInput))
    .output(staffLocationsView)
    .query(({ ctx, input }) => getStaffLocations(scopeFrom(ctx), input.staffId)),
  setLocations: procedureFor("staff.manage")
    .input(clearInput(staffSetLocationsInput))
    .output(staffLocationsView)
    .mutation(({ ctx, input }) => setStaffLocations(scopeFrom(ctx), input)),
  /** Which services a stylist does, with per-stylist timing/price overrides. */
  setServices: procedureFor("settings.write")
    .input(clearInput(staffSetServicesInput))
    .output(staffView)
    .mutation(({ ctx, input }) => setStaffServices(scopeFrom(ctx), input)),
  /** schedule.own lets anyone read their own; the domain requires calendar.read for anyone else's. */
  getSchedule: procedureFor("schedule.own")
    .input(clearInput(staffGetScheduleInput))
    .output(staffScheduleView)
    .query(({ ctx, input }) => getSchedule(scopeFrom(ctx), input.staffId, input.from)),
  setWeeklySchedule: procedureFor("settings.write")
    .input(clearInput(staffSetWeeklyScheduleInput))
    .output(staffScheduleView)
    .mutation(({ ctx, input }) => setWeeklySchedule(scopeFrom(ctx), input)),
  addDateOverride: procedureFor("settings.write")
    .input(clearInput(staffAddDateOverrideInput))
    .output(staffScheduleView)
    .mutation(({ ctx, input }) => addDateOverride(scopeFrom(ctx), input)),
  removeDateOverride: procedureFor("settings.write")
    .input(clearInput(staffRemoveDateOverrideInput))
    .output(staffScheduleView)
    .mutation(({ ctx, input }) => removeDateOverride(scopeFrom(ctx), input)),
  addTimeOff: procedureFor("settings.write")
    .input(clearInput(staffAddTimeOffInput))
    .output(staffScheduleView)
    .mutation(({ ctx, input }) => addTimeOff(scopeFrom(ctx), input)),
  removeTimeOff: procedureFor("settings.write")
    .input(clearInput(staffRemoveTimeOffInput))
    .output(staffScheduleView)
    .mutation(({ ctx, input }) => removeTimeOff(scopeFrom(ctx), input)),
});
