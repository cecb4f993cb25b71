// Resources (issue #21): the salon's basins, colour stations, treatment rooms and nail desks, and
// which of them each phase of a service occupies (a colour holds its station while it develops,
// though the stylist is free). Availability offers only times when a resource of each kind is free;
// the database refuses two bookings on one resource.
import {
  COMMON_RESOURCE_KINDS,
  type ResourceNeedView,
  type ResourcesListView,
  type ResourceView,
  resourceCreateInput,
  type ServicePhaseName,
} from "@cita/shared";
import { useCallback, useMemo, useState } from "react";
import type { Service } from "../api.ts";
import { useConsole } from "../ui/context.tsx";
import { Check, check, Field, SettingsForm, withLocal } from "./form.tsx";
import { kindLabel, phaseLabel, useResourceStrings } from "./resource-strings.ts";
import { useFields, useSave, useSettingsLoad } from "./save.ts";

const PHASES: ServicePhaseName[] = ["application", "processing", "finishing"];

export function ResourcesTab() {
  const { api } = useConsole();
  const load = useCallback(
    () => Promise.all([api.resources.list.query(), api.services.list.query({ includeArchived: false })]),
    [api],
  );
  const [loaded, reload] = useSettingsLoad(load);
  if (!loaded) return null;
  const [list, services] = loaded;
  return (
    <div className="settings-detail" data-testid="settings-resources">
      <ResourceList list={list} onSaved={reload} />
      <AddResources onSaved={reload} />
      <ServiceNeeds list={list} services={services} onSaved={reload} />
    </div>
  );
}

function ResourceList({ list, onSaved }: { list: ResourcesListView; onSaved(): void }) {
  const { api, tr } = useConsole();
  const r = useResourceStrings();
  const { busy, save } = useSave();
  const byKind = useMemo(() => {
    const out = new Map<string, ResourceView[]>();
    for (const x of list.resources) out.set(x.kind, [...(out.get(x.kind) ?? []), x]);
    return [...out];
  }, [list]);
  return (
    <section className="settings-block" data-testid="resource-list">
      <h3>{r.title}</h3>
      <p className="muted small">{r.intro}</p>
      {byKind.length === 0 ? <p className="muted">{r.none}</p> : null}
      {byKind.map(([kind, items]) => (
        <div key={kind} className="resource-kind" data-testid="resource-kind" data-kind={kind}>
          <h4>
            {kindLabel(kind, tr.lang)}{" "}
            <span className="muted small">· {r.count(items.filter((x) => x.active).length)}</span>
          </h4>
          <ul className="plain-list">
            {items.map((x) => (
              <li key={x.id} data-testid="resource" className={x.active ? "" : "muted"}>
                <span>{x.name}</span>
                {x.active ? null : <span className="badge">{r.outOfUse}</span>}
                <button
                  type="button"
                  className="link"
                  disabled={busy}
                  data-testid="resource-toggle"
                  onClick={() =>
                    void save(
                      () => api.resources.update.mutate({ resourceId: x.id, version: x.version, active: !x.active }),
                      onSaved,
                    )
                  }
                >
                  {x.active ? r.takeOut : r.putBack}
                </button>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </section>
  );
}

function AddResources({ onSaved }: { onSaved(): void }) {
  const { api, tr } = useConsole();
  const r = useResourceStrings();
  const { form, bind, patch } = useFields({ kind: "colour_station", other: "", name: "", count: "1" });
  const { errors, valid, busy, save } = useSave();
  const add = () => {
    const kind = form.kind === "other" ? form.other.trim().toLowerCase().replace(/\s+/g, "_") : form.kind;
    const name = form.name.trim() || kindLabel(kind, tr.lang);
    const input = { kind, name, count: Number(form.count) };
    if (!valid(withLocal(check(resourceCreateInput, input, tr.lang), {}))) return;
    void save(
      () => api.resources.create.mutate(input),
      (o) => {
        if (o.ok) patch({ name: "", count: "1" });
        onSaved();
      },
    );
  };
  return (
    <section className="settings-block">
      <h3>{r.add}</h3>
      <SettingsForm onSubmit={add} data-testid="resource-add" className="settings-form inline">
        <Field label={r.kind} name="kind" errors={errors}>
          <select data-testid="resource-kind-select" {...bind("kind")}>
            {COMMON_RESOURCE_KINDS.map((k) => (
              <option key={k} value={k}>
                {kindLabel(k, tr.lang)}
              </option>
            ))}
            <option value="other">{r.otherKind}</option>
          </select>
        </Field>
        {form.kind === "other" ? (
          <Field label={r.otherKindName} name="kind" errors={errors}>
            <input data-testid="resource-kind-other" {...bind("other")} />
          </Field>
        ) : null}
        <Field label={r.name} name="name" errors={errors}>
          <input data-testid="resource-name" placeholder={kindLabel(form.kind, tr.lang)} {...bind("name")} />
        </Field>
        <Field label={r.howMany} name="count" errors={errors}>
          <input type="number" min={1} max={20} data-testid="resource-count" {...bind("count")} />
        </Field>
        <button type="submit" className="primary" disabled={busy} data-testid="resource-add-save">
          {r.addButton}
        </button>
      </SettingsForm>
    </section>
  );
}

function ServiceNeeds({ list, services, onSaved }: { list: ResourcesListView; services: Service[]; onSaved(): void }) {
  const { tr } = useConsole();
  const r = useResourceStrings();
  const kinds = [...new Set(list.resources.filter((x) => x.active).map((x) => x.kind))];
  if (!kinds.length) return null;
  return (
    <section className="settings-block" data-testid="service-needs">
      <h3>{r.needsTitle}</h3>
      <p className="muted small">{r.needsIntro}</p>
      <table className="table needs-table">
        <thead>
          <tr>
            <th>{r.service}</th>
            {kinds.map((k) => (
              <th key={k}>{kindLabel(k, tr.lang)}</th>
            ))}
            <th />
          </tr>
        </thead>
        <tbody>
          {services.map((svc) => (
            <NeedsRow
              key={`${svc.id}:${svc.version}`}
              service={svc}
              kinds={kinds}
              needs={list.needs.filter((n) => n.serviceId === svc.id)}
              onSaved={onSaved}
            />
          ))}
        </tbody>
      </table>
    </section>
  );
}

function NeedsRow({
  service,
  kinds,
  needs,
  onSaved,
}: {
  service: Service;
  kinds: string[];
  needs: ResourceNeedView[];
  onSaved(): void;
}) {
  const { api, tr } = useConsole();
  const r = useResourceStrings();
  const { busy, save } = useSave();
  const key = (n: { kind: string; phase: string }) => `${n.kind}|${n.phase}`;
  const [picked, setPicked] = useState(() => new Set(needs.map(key)));
  const dirty = picked.size !== needs.length || needs.some((n) => !picked.has(key(n)));
  const minutes: Record<ServicePhaseName, number> = {
    application: service.durationMinutes,
    processing: service.processingMinutes,
    finishing: service.finishingMinutes,
  };
  const phases = PHASES.filter((p) => minutes[p] > 0);
  const toggle = (k: string, on: boolean) =>
    setPicked((s) => {
      const next = new Set(s);
      if (on) next.add(k);
      else next.delete(k);
      return next;
    });
  const name = tr.lang === "es" ? service.nameEs : service.nameEn;
  return (
    <tr data-testid="service-needs-row" data-service={service.slug}>
      <td>{name}</td>
      {kinds.map((kind) => (
        <td key={kind}>
          {phases.map((phase) => (
            <Check
              key={phase}
              className="check small"
              testid={`need-${kind}-${phase}`}
              label={phaseLabel(phase, tr.lang)}
              checked={picked.has(`${kind}|${phase}`)}
              onChange={(on) => toggle(`${kind}|${phase}`, on)}
            />
          ))}
        </td>
      ))}
      <td>
        <button
          type="button"
          disabled={!dirty || busy}
          data-testid="service-needs-save"
          onClick={() =>
            void save(
              () =>
                api.resources.setServiceNeeds.mutate({
                  serviceId: service.id,
                  needs: [...picked].map((k) => {
                    const [kind, phase] = k.split("|") as [string, ServicePhaseName];
                    return { kind, phase };
                  }),
                }),
              onSaved,
            )
          }
        >
          {r.save}
        </button>
      </td>
    </tr>
  );
}
