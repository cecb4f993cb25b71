// Staff: who works here and in which role, whether they take bookings, the services each stylist
// does (with their own timing/price), working hours with breaks, days with other hours, time off.
import { staffCreateInput, staffSetServicesInput, staffUpdateInput } from "@cita/shared";
import { useCallback, useMemo, useState } from "react";
import type { StaffMember } from "../api.ts";
import { useConsole, useSnapshot } from "../ui/context.tsx";
import {
  centsToEuros,
  check,
  type Errors,
  eurosToCents,
  Field,
  hasErrors,
  parseWhole,
  reportInvalid,
  reportSaveError,
  rowErrors,
  useLoad,
  withLocal,
} from "./form.tsx";
import { StaffSchedule } from "./StaffSchedule.tsx";
import { type SettingsKey, useStrings } from "./strings.ts";

const ROLES = [
  ["owner", "roleOwner"],
  ["manager", "roleManager"],
  ["front_desk", "roleFrontDesk"],
  ["stylist", "roleStylist"],
] as const satisfies readonly (readonly [string, SettingsKey])[];
type Role = (typeof ROLES)[number][0];

export function StaffTab() {
  const { api, toast, tr } = useConsole();
  const { s } = useStrings();
  const onError = useCallback((e: unknown) => reportSaveError(e, tr.lang, toast), [tr.lang, toast]);
  const load = useCallback(() => api.staff.list.query({ includeInactive: true }), [api]);
  const [staff, reload] = useLoad(load, onError);
  const [selected, setSelected] = useState<string | "new" | null>(null);
  const [showInactive, setShowInactive] = useState(false);
  const current = staff?.find((m) => m.id === selected) ?? null;
  const roleName = (r: Role) => s[ROLES.find((x) => x[0] === r)![1]];

  return (
    <div className="settings-split" data-testid="settings-staff">
      <nav className="settings-list">
        <button type="button" className="primary" data-testid="staff-new" onClick={() => setSelected("new")}>
          {s.newStaff}
        </button>
        <label className="check small">
          <input type="checkbox" checked={showInactive} onChange={(e) => setShowInactive(e.target.checked)} />{" "}
          {s.showInactive}
        </label>
        <ul className="plain hits-list">
          {(staff ?? [])
            .filter((m) => showInactive || m.active)
            .map((m) => (
              <li key={m.id}>
                <button
                  type="button"
                  className={m.id === selected ? "hit active" : "hit"}
                  data-testid="staff-item"
                  data-staff-id={m.id}
                  onClick={() => setSelected(m.id)}
                >
                  <span className="dot" style={{ background: m.color }} /> <strong>{m.displayName}</strong>{" "}
                  <span className="muted small">
                    {roleName(m.role)}
                    {m.active ? "" : ` · ${s.inactive}`}
                  </span>
                </button>
              </li>
            ))}
        </ul>
      </nav>
      {selected === "new" ? (
        <div className="settings-detail">
          <StaffProfile
            key="new"
            member={null}
            onSaved={(id) => {
              setSelected(id);
              reload();
            }}
          />
        </div>
      ) : current ? (
        <div className="settings-detail" data-testid="staff-detail" data-staff-id={current.id}>
          <StaffProfile key={`p${current.version}`} member={current} onSaved={() => reload()} />
          <StaffSkills key={`k${current.version}`} member={current} onSaved={() => reload()} />
          <StaffSchedule key={current.id} member={current} onSaved={() => reload()} />
        </div>
      ) : null}
    </div>
  );
}

function StaffProfile(props: { member: StaffMember | null; onSaved(id: string): void }) {
  const { api, toast, tr, store, session } = useConsole();
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
  const [form, setForm] = useState(original);
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const isOwner = session.staff?.role === "owner";

  const save = async () => {
    let input: Record<string, unknown>;
    let result: ReturnType<typeof check>;
    if (m) {
      input = { staffId: m.id, version: m.version };
      for (const k of ["displayName", "email", "role", "bookable", "active", "color", "language"] as const) {
        if (form[k] !== original[k]) input[k] = form[k];
      }
      if (form.password) input.password = form.password;
      result = check(staffUpdateInput, input, tr.lang);
    } else {
      const { active: _a, password, ...rest } = form;
      input = { ...rest, ...(password ? { password } : {}) };
      result = check(staffCreateInput, input, tr.lang);
    }
    const all = withLocal(result, {});
    setErrors(all);
    if (hasErrors(all)) return reportInvalid(all, tr.lang, toast);
    setBusy(true);
    try {
      const saved = m
        ? await api.staff.update.mutate(input as Parameters<typeof api.staff.update.mutate>[0])
        : await api.staff.create.mutate(input as Parameters<typeof api.staff.create.mutate>[0]);
      toast({ kind: "info", text: s.saved });
      void store.reloadCatalog().catch(() => {});
      props.onSaved(saved.id);
    } catch (e) {
      if (reportSaveError(e, tr.lang, toast) === "stale") props.onSaved(m?.id ?? "");
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="settings-form"
      data-testid="staff-profile"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <h3>{m ? m.displayName : s.newStaff}</h3>
      <div className="settings-grid">
        <Field label={s.displayName} name="displayName" errors={errors}>
          <input
            data-testid="staff-name"
            value={form.displayName}
            onChange={(e) => setForm({ ...form, displayName: e.target.value })}
          />
        </Field>
        <Field label={s.email} name="email" errors={errors}>
          <input
            type="email"
            data-testid="staff-email"
            value={form.email}
            onChange={(e) => setForm({ ...form, email: e.target.value })}
          />
        </Field>
        <Field label={s.role} name="role" errors={errors}>
          <select
            data-testid="staff-role"
            value={form.role}
            onChange={(e) => setForm({ ...form, role: e.target.value as Role })}
          >
            {ROLES.filter(([r]) => isOwner || r !== "owner" || form.role === "owner").map(([r, label]) => (
              <option key={r} value={r}>
                {s[label]}
              </option>
            ))}
          </select>
        </Field>
        <Field label={s.language} name="language" errors={errors}>
          <select value={form.language} onChange={(e) => setForm({ ...form, language: e.target.value as "es" | "en" })}>
            <option value="es">Español</option>
            <option value="en">English</option>
          </select>
        </Field>
        <Field label={s.color} name="color" errors={errors}>
          <input type="color" value={form.color} onChange={(e) => setForm({ ...form, color: e.target.value })} />
        </Field>
        <Field label={m ? s.password : s.initialPassword} name="password" errors={errors}>
          <input
            type="password"
            autoComplete="new-password"
            value={form.password}
            onChange={(e) => setForm({ ...form, password: e.target.value })}
          />
        </Field>
      </div>
      <label className="check">
        <input
          type="checkbox"
          data-testid="staff-bookable"
          checked={form.bookable}
          onChange={(e) => setForm({ ...form, bookable: e.target.checked })}
        />{" "}
        {s.bookable}
      </label>
      {m ? (
        <label className="check">
          <input
            type="checkbox"
            data-testid="staff-active"
            checked={form.active}
            onChange={(e) => setForm({ ...form, active: e.target.checked })}
          />{" "}
          {s.active}
        </label>
      ) : null}
      <button type="submit" className="primary" disabled={busy} data-testid="staff-save">
        {m ? s.save : s.create}
      </button>
    </form>
  );
}

interface Skill {
  on: boolean;
  duration: string;
  price: string;
}

/** The services a stylist does, with their own duration/price (staff.setServices). */
function StaffSkills(props: { member: StaffMember; onSaved(): void }) {
  const { api, toast, tr, store } = useConsole();
  const { s } = useStrings();
  const services = useSnapshot().services;
  const m = props.member;
  const [rows, setRows] = useState<Record<string, Skill>>(() =>
    Object.fromEntries(
      services.map((x) => {
        const own = x.staff.find((a) => a.staffId === m.id);
        return [
          x.id,
          {
            on: m.serviceIds.includes(x.id),
            duration: own?.durationMinutes != null ? String(own.durationMinutes) : "",
            price: centsToEuros(own?.priceCents),
          },
        ];
      }),
    ),
  );
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);

  const save = async () => {
    const local: Errors = {};
    const list: {
      serviceId: string;
      durationMinutes: number | null;
      processingMinutes?: number | null;
      finishingMinutes?: number | null;
      priceCents: number | null;
    }[] = [];
    // Keep what the form does not edit (processing/finishing overrides), as stored.
    for (const x of services) {
      const r = rows[x.id];
      if (!r?.on) continue;
      const own = x.staff.find((a) => a.staffId === m.id);
      const duration = parseWhole(r.duration);
      const price = eurosToCents(r.price);
      if (duration === null) local[`${x.id}.durationMinutes`] = s.notMinutes;
      if (price === null) local[`${x.id}.priceCents`] = s.notEuros;
      list.push({
        serviceId: x.id,
        ...(own ? { processingMinutes: own.processingMinutes, finishingMinutes: own.finishingMinutes } : {}),
        durationMinutes: duration ?? null,
        priceCents: price ?? null,
      });
    }
    const input = { staffId: m.id, version: m.version, services: list };
    const schemaErrors = rowErrors(
      withLocal(check(staffSetServicesInput, input, tr.lang), {}),
      "services",
      list.map((x) => x.serviceId),
    );
    const all = { ...local, ...schemaErrors };
    setErrors(all);
    if (hasErrors(all)) return reportInvalid(all, tr.lang, toast);
    setBusy(true);
    try {
      await api.staff.setServices.mutate(input);
      toast({ kind: "info", text: s.saved });
      void store.reloadCatalog().catch(() => {});
    } catch (e) {
      reportSaveError(e, tr.lang, toast);
    } finally {
      setBusy(false);
      props.onSaved();
    }
  };

  return (
    <form
      className="settings-form"
      data-testid="staff-skills"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <h3>{s.skills}</h3>
      <div className="settings-rows">
        {services.map((x) => {
          const r = rows[x.id] ?? { on: false, duration: "", price: "" };
          const upd = (p: Partial<Skill>) => setRows({ ...rows, [x.id]: { ...r, ...p } });
          return (
            <div key={x.id} className="settings-row" data-testid="skill-row" data-service-id={x.id}>
              <label className="check">
                <input
                  type="checkbox"
                  data-testid="skill-on"
                  checked={r.on}
                  onChange={(e) => upd({ on: e.target.checked })}
                />{" "}
                {tr.lang === "es" ? x.nameEs : x.nameEn}
              </label>
              <Field label={s.ownDuration} name={`${x.id}.durationMinutes`} errors={errors}>
                <input
                  inputMode="numeric"
                  placeholder={`${x.durationMinutes}`}
                  disabled={!r.on}
                  value={r.duration}
                  onChange={(e) => upd({ duration: e.target.value })}
                />
              </Field>
              <Field label={s.ownPrice} name={`${x.id}.priceCents`} errors={errors}>
                <input
                  inputMode="decimal"
                  placeholder={centsToEuros(x.priceCents)}
                  disabled={!r.on}
                  value={r.price}
                  onChange={(e) => upd({ price: e.target.value })}
                />
              </Field>
            </div>
          );
        })}
      </div>
      <button type="submit" className="primary" disabled={busy} data-testid="skills-save">
        {s.saveSkills}
      </button>
    </form>
  );
}
