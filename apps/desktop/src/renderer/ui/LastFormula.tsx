// The booking drawer's colour corner (issue #21): the customer's latest formula ("Última fórmula /
// Last formula") to prepare the mix before she sits down, and on a visit that has begun or is over a
// "Record formula" action (the same form as the customer's profile: customers/Treatments.tsx).
import { useCallback, useEffect, useState } from "react";
import type { Booking } from "../api.ts";
import {
  FormulaCard,
  TreatmentForm,
  type TreatmentRecord,
  useCustomerEvents,
  useTreatmentStrings,
} from "../customers/Treatments.tsx";
import { useConsole } from "./context.tsx";

const RECORDABLE = ["confirmed", "checked_in", "completed"];

export function LastFormula({ booking }: { booking: Booking }) {
  const { api, offline } = useConsole();
  const s = useTreatmentStrings();
  const [record, setRecord] = useState<TreatmentRecord | null | undefined>(undefined);
  const [recording, setRecording] = useState(false);
  const customerId = booking.customerId;

  const load = useCallback(() => {
    if (offline) return;
    api.treatments.latest
      .query({ customerId })
      .then((r) => setRecord(r.record))
      .catch(() => setRecord(null));
  }, [api, customerId, offline]);
  useEffect(load, [load]);
  useCustomerEvents(customerId, load);

  if (offline || record === undefined) return null;
  const begun = RECORDABLE.includes(booking.status) && Date.parse(booking.startsAt) <= Date.now();
  return (
    <section className="last-formula" data-testid="last-formula">
      <h3>{s.lastFormula}</h3>
      {record ? <FormulaCard record={record} /> : <p className="muted small">{s.none}</p>}
      {begun && !recording ? (
        <button type="button" data-testid="drawer-record-formula" onClick={() => setRecording(true)}>
          {s.record}
        </button>
      ) : null}
      {recording ? (
        <TreatmentForm
          customerId={customerId}
          bookingId={booking.id}
          onDone={() => {
            setRecording(false);
            load();
          }}
        />
      ) : null}
    </section>
  );
}
