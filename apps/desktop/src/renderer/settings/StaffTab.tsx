// Staff: who works here and in which role, whether they take bookings, the services each stylist
// does (with their own timing/price), working hours with breaks, days with other hours, time off.
import { staffCreateInput, staffSetServicesInput, staffUpdateInput } from "@cita/shared";
import { useCallback, useMemo } from "react";
import type { StaffMember } from "../api.ts";
import { useConsole, useSnapshot } from "../ui/context.tsx";
import { Check, centsToEuros, check, Field, SettingsForm, withLocal } from "./form.tsx";
import { OwnTermsForm } from "./OwnTerms.tsx";
import { EditList } from "./parts.tsx";
import { StaffLocations } from "./SalonLinks.tsx";
import { StaffSchedule } from "./StaffSchedule.tsx";
import { afterEntrySave, changedFields, useFields, useSave } from "./save.ts";
import { type SettingsKey, useStrings } from "./strings.ts";

const ROLES = [
  ["owner", "roleOwner"],
  ["manager", "roleManager"],
  ["front_desk", "roleFrontDesk"],
  ["stylist", "roleStylist"],
] as const satisfies readonly (readonly [string, SettingsKey])[];
type Role = (typeof ROLES)[number][0];

export function StaffTab() {
  const { api } = useConsole();
  const { s } = useStrings();
  const load = useCallback(() => api.staff.list.query({ includeInactive: true }), [api]);
  const roleName = (r: Role) => s[ROLES.find((x) => x[0] === r)![1]];
  return (
    <EditList
      testids={{ list: "settings-staff", new: "staff-new", item: "staff-item" }}
      load={load}
      newLabel={s.newStaff}
      showLabel={s.showInactive}
      itemAttrs={(m) => ({ "data-staff-id": m.id })}
      item={(m) => (
        <>
          <span className="dot" style={{ background: m.color }} /> <strong>{m.displayName}</strong>{" "}
          <span className="muted small">
            {roleName(m.role)}
            {m.active ? "" : ` · ${s.inactive}`}
          </span>
        </>
      )}
      detail={(m, saved) =>
        m ? (
          <div className="settings-detail" data-testid="staff-detail" data-staff-id={m.id}>
            <StaffProfile key={`p${m.version}`} member={m} onSaved={saved} />
            <StaffSkills key={`k${m.version}`} member={m} onSaved={() => saved()} />
            <StaffSchedule key={m.id} member={m} onSaved={() => saved()} />
            <StaffLocations key={`l${m.id}`} member={m} onSaved={() => saved()} />
          </div>
        ) : (
          <div className="settings-detail">
            <StaffProfile key="new" member={null} onSaved={saved} />
          </div>
        )
      }
    />
  );
}

function StaffProfile(props: { member: StaffMember | null; onSaved(id: string): void }) {
  const { api, tr, session } = useConsole();
  const { s } = useStrings();
  const m = props.member;
  const original = useMemo(
    () => ({
      displayName: m?.displayName ?? "",
      email: m?.email ?? "",
      role: (m?.role ?? "stylist") as Role,
      bookable: m?.bookable ?? true,
      active: m?.active ?? true,
      color: m?.color ?? "#6366f1",
      language: (m?.language ?? "es") as "es" | "en",
      password: "",
    }),
    [m],
  );
  const { form, patch, bind } = useFields(original);
  const { errors, valid, busy, save } = useSave();
  const isOwner = session.staff?.role === "owner";

  const submit = () => {
    const { password, ...fields } = form;
    const { active: _active, ...created } = fields;
    const withPassword = password ? { password } : {};
    const input = m
      ? { staffId: m.id, version: m.version, ...changedFields(fields, original), ...withPassword }
      : { ...created, ...withPassword };
    if (!valid(withLocal(check<unknown>(m ? staffUpdateInput : staffCreateInput, input, tr.lang), {}))) return;
    void save(
      () =>
        m
          ? api.staff.update.mutate(input as Parameters<typeof api.staff.update.mutate>[0])
          : api.staff.create.mutate(input as Parameters<typeof api.staff.create.mutate>[0]),
      afterEntrySave(m?.id, props.onSaved),
    );
  };

  return (
    <SettingsForm data-testid="staff-profile" onSubmit={submit}>
      <h3>{m ? m.displayName : s.newStaff}</h3>
      <div className="settings-grid">
        <Field label={s.displayName} name="displayName" errors={errors}>
          <input data-testid="staff-name" {...bind("displayName")} />
        </Field>
        <Field label={s.email} name="email" errors={errors}>
          <input type="email" data-testid="staff-email" {...bind("email")} />
        </Field>
        <Field label={s.role} name="role" errors={errors}>
          <select data-testid="staff-role" {...bind("role")}>
            {ROLES.filter(([r]) => isOwner || r !== "owner" || form.role === "owner").map(([r, label]) => (
              <option key={r} value={r}>
                {s[label]}
              </option>
            ))}
          </select>
        </Field>
        <Field label={s.language} name="language" errors={errors}>
          <select {...bind("language")}>
            <option value="es">Español</option>
            <option value="en">English</option>
          </select>
        </Field>
        <Field label={s.color} name="color" errors={errors}>
          <input type="color" {...bind("color")} />
        </Field>
        <Field label={m ? s.password : s.initialPassword} name="password" errors={errors}>
          <input type="password" autoComplete="new-password" {...bind("password")} />
        </Field>
      </div>
      <Check
        label={s.bookable}
        testid="staff-bookable"
        checked={form.bookable}
        onChange={(bookable) => patch({ bookable })}
      />
      {m ? (
        <Check label={s.active} testid="staff-active" checked={form.active} onChange={(active) => patch({ active })} />
      ) : null}
      <button type="submit" className="primary" disabled={busy} data-testid="staff-save">
        {m ? s.save : s.create}
      </button>
    </SettingsForm>
  );
}

/** The services a stylist does, with their own duration/price (staff.setServices). */
function StaffSkills(props: { member: StaffMember; onSaved(): void }) {
  const { api, tr } = useConsole();
  const { s } = useStrings();
  const services = useSnapshot().services;
  const m = props.member;
  const own = (serviceId: string) => services.find((x) => x.id === serviceId)?.staff.find((a) => a.staffId === m.id);
  return (
    <OwnTermsForm
      rows={services.map((x) => ({
        id: x.id,
        label: tr.lang === "es" ? x.nameEs : x.nameEn,
        on: m.serviceIds.includes(x.id),
        durationMinutes: own(x.id)?.durationMinutes,
        priceCents: own(x.id)?.priceCents,
        placeholders: { duration: `${x.durationMinutes}`, price: centsToEuros(x.priceCents) },
      }))}
      title={s.skills}
      saveLabel={s.saveSkills}
      testids={{ form: "staff-skills", row: "skill-row", save: "skills-save", on: "skill-on" }}
      rowAttr="data-service-id"
      list="services"
      schema={staffSetServicesInput}
      input={(terms) => ({
        staffId: m.id,
        version: m.version,
        services: terms.map((t) => {
          // Keep what the form does not edit (processing/finishing overrides), as stored.
          const stored = own(t.id);
          return {
            serviceId: t.id,
            ...(stored
              ? { processingMinutes: stored.processingMinutes, finishingMinutes: stored.finishingMinutes }
              : {}),
            durationMinutes: t.durationMinutes,
            priceCents: t.priceCents,
          };
        }),
      })}
      write={(input) => api.staff.setServices.mutate(input)}
      onSaved={props.onSaved}
    />
  );
}
