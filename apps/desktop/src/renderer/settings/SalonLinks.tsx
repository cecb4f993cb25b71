// Several salons on one server (issue #21): which other salons a stylist also works at (their week
// there is set from that salon's Staff tab), and which WhatsApp numbers / Chatwoot inboxes this salon
// answers (one shared by several salons: the assistant asks the customer which one).
import { type LocationInboxInput, locationInboxInput } from "@cita/shared";
import { useCallback, useState } from "react";
import type { StaffMember } from "../api.ts";
import { useConsole, useSnapshot } from "../ui/context.tsx";
import { Check, check, Field, SettingsForm, withLocal } from "./form.tsx";
import { useFields, useSave, useSettingsLoad } from "./save.ts";

const en = {
  alsoWorksAt: "Also works at",
  alsoWorksAtHelp: "Their week at each of these salons is set from that salon's Staff tab.",
  notHome: "Based at another salon: edit these from there.",
  save: "Save",
  inboxes: "WhatsApp numbers and inboxes of this salon",
  inboxesHelp:
    "Chats arriving on these answer with this salon's services, hours and policies. One number for several salons: the assistant asks which one.",
  noInboxes: "None yet: chats go to the first salon.",
  channel: "Channel",
  chatwoot: "Chatwoot inbox",
  whatsapp_cloud: "WhatsApp number (phone number id)",
  account: "Inbox or phone number id",
  add: "Add",
  remove: "Remove",
  sharedWith: (names: string[]) => `also ${names.join(", ")}`,
};
const es: typeof en = {
  alsoWorksAt: "También trabaja en",
  alsoWorksAtHelp: "Su semana en cada uno de estos salones se fija desde la pestaña Personal de ese salón.",
  notHome: "Trabaja en otro salón: edítalo desde allí.",
  save: "Guardar",
  inboxes: "Números de WhatsApp y bandejas de este salón",
  inboxesHelp:
    "Los chats que lleguen por ellos se atienden con los servicios, el horario y las normas de este salón. Un número para varios salones: el asistente pregunta cuál.",
  noInboxes: "Ninguno aún: los chats van al primer salón.",
  channel: "Canal",
  chatwoot: "Bandeja de Chatwoot",
  whatsapp_cloud: "Número de WhatsApp (phone number id)",
  account: "Id de la bandeja o del número",
  add: "Añadir",
  remove: "Quitar",
  sharedWith: (names: string[]) => `también ${names.join(", ")}`,
};
const useWords = () => (useConsole().tr.lang === "es" ? es : en);

/** The other salons a stylist works at; shown only where there is more than one salon. */
export function StaffLocations({ member, onSaved }: { member: StaffMember; onSaved(): void }) {
  const { api } = useConsole();
  const shown = useSnapshot().location?.id;
  const w = useWords();
  const load = useCallback(
    () => Promise.all([api.locations.mine.query(), api.staff.locations.query({ staffId: member.id })]),
    [api, member.id],
  );
  const [loaded, reload] = useSettingsLoad(load);
  const { busy, save } = useSave();
  const [picked, setPicked] = useState<Set<string> | null>(null);
  if (!loaded) return null;
  const [salons, links] = loaded;
  if (salons.length < 2 || !member.bookable) return null;
  const current = picked ?? new Set(links.otherLocationIds);
  const others = salons.filter((l) => l.id !== links.homeLocationId);
  // Edited from the stylist's own salon; elsewhere the list is shown, not edited.
  const isHome = shown === links.homeLocationId;
  return (
    <section className="settings-block" data-testid="staff-locations">
      <h3>{w.alsoWorksAt}</h3>
      <p className="muted small">{isHome ? w.alsoWorksAtHelp : w.notHome}</p>
      {others.map((l) => (
        <Check
          key={l.id}
          testid="staff-location"
          label={`${l.name} · ${l.city}`}
          checked={current.has(l.id)}
          disabled={!isHome}
          onChange={(on) => {
            const next = new Set(current);
            if (on) next.add(l.id);
            else next.delete(l.id);
            setPicked(next);
          }}
        />
      ))}
      <button
        type="button"
        hidden={!isHome}
        disabled={busy || picked === null}
        data-testid="staff-locations-save"
        onClick={() =>
          void save(
            () =>
              api.staff.setLocations.mutate({
                staffId: member.id,
                version: links.version,
                locationIds: [...current],
              }),
            () => {
              setPicked(null);
              reload();
              onSaved();
            },
          )
        }
      >
        {w.save}
      </button>
    </section>
  );
}

/** The inboxes / numbers this salon answers. */
export function LocationInboxes() {
  const { api, tr } = useConsole();
  const w = useWords();
  const load = useCallback(() => api.locations.inboxes.query(), [api]);
  const [inboxes, reload] = useSettingsLoad(load);
  const { form, bind, patch } = useFields({ channel: "whatsapp_cloud", channelAccount: "" });
  const { errors, valid, busy, save } = useSave();
  if (!inboxes) return null;
  const add = () => {
    const input = { channel: form.channel, channelAccount: form.channelAccount.trim() } as LocationInboxInput;
    if (!valid(withLocal(check(locationInboxInput, input, tr.lang), {}))) return;
    void save(
      () => api.locations.addInbox.mutate(input),
      () => {
        patch({ channelAccount: "" });
        reload();
      },
    );
  };
  return (
    <section className="settings-block" data-testid="location-inboxes">
      <h3>{w.inboxes}</h3>
      <p className="muted small">{w.inboxesHelp}</p>
      {inboxes.length === 0 ? <p className="muted">{w.noInboxes}</p> : null}
      <ul className="plain-list">
        {inboxes.map((i) => (
          <li key={`${i.channel}:${i.channelAccount}`} data-testid="location-inbox">
            <span>
              {w[i.channel]}: <strong>{i.channelAccount}</strong>
            </span>
            {i.sharedWith.length ? <span className="muted small"> · {w.sharedWith(i.sharedWith)}</span> : null}
            <button
              type="button"
              className="link"
              disabled={busy}
              onClick={() =>
                void save(
                  () => api.locations.removeInbox.mutate({ channel: i.channel, channelAccount: i.channelAccount }),
                  reload,
                )
              }
            >
              {w.remove}
            </button>
          </li>
        ))}
      </ul>
      <SettingsForm onSubmit={add} className="settings-form inline" data-testid="location-inbox-add">
        <Field label={w.channel} name="channel" errors={errors}>
          <select {...bind("channel")}>
            <option value="whatsapp_cloud">{w.whatsapp_cloud}</option>
            <option value="chatwoot">{w.chatwoot}</option>
          </select>
        </Field>
        <Field label={w.account} name="channelAccount" errors={errors}>
          <input data-testid="location-inbox-account" {...bind("channelAccount")} />
        </Field>
        <button type="submit" className="primary" disabled={busy}>
          {w.add}
        </button>
      </SettingsForm>
    </section>
  );
}
