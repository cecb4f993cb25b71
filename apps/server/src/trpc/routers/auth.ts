// Sign-in, token refresh and sessions. Thin: validate, authorize (procedure meta), call auth/*.
import {
  authTokens,
  changePasswordInput,
  endSessionsInput,
  loginInput,
  meOutput,
  refreshInput,
  sessionsEndedOutput,
  setStaffDisabledInput,
  setStaffDisabledOutput,
} from "@cita/shared";
import { clearInput } from "../../audit/input.ts";
import { changePassword, login } from "../../auth/login.ts";
import { logout, logoutOtherDevices, me, refreshSession } from "../../auth/sessions.ts";
import { endStaffSessions, setStaffDisabled } from "../../auth/staff-access.ts";
import type { AppContext } from "../context.ts";
import { router } from "../init.ts";
import { procedureFor, publicProcedure } from "../procedures.ts";

const client = (ctx: AppContext) => ({ ip: ctx.ip, userAgent: ctx.userAgent });

export const authRouter = router({
  login: publicProcedure
    .input(clearInput(loginInput))
    .output(authTokens)
    .mutation(({ ctx, input }) => login(ctx, input, client(ctx))),

  refresh: publicProcedure
    .input(clearInput(refreshInput))
    .output(authTokens)
    .mutation(({ ctx, input }) => refreshSession(ctx, input.refreshToken, client(ctx))),

  me: procedureFor("sessions.self")
    .output(meOutput)
    .query(({ ctx }) => me(ctx, ctx.auth)),

  logout: procedureFor("sessions.self")
    .output(sessionsEndedOutput)
    .mutation(({ ctx }) => logout(ctx, ctx.auth)),

  logoutOtherDevices: procedureFor("sessions.self")
    .output(sessionsEndedOutput)
    .mutation(({ ctx }) => logoutOtherDevices(ctx, ctx.auth)),

  changePassword: procedureFor("sessions.self")
    .input(clearInput(changePasswordInput))
    .output(sessionsEndedOutput)
    .mutation(({ ctx, input }) => changePassword(ctx, ctx.auth, input, client(ctx))),

  endSessions: procedureFor("staff.manage")
    .input(clearInput(endSessionsInput))
    .output(sessionsEndedOutput)
    .mutation(({ ctx, input }) => endStaffSessions(ctx, ctx.auth, input.staffId)),

  setStaffDisabled: procedureFor("staff.manage")
    .input(clearInput(setStaffDisabledInput))
    .output(setStaffDisabledOutput)
    .mutation(({ ctx, input }) => setStaffDisabled(ctx, ctx.auth, input)),
});
