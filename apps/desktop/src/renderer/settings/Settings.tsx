// Salon settings (managers and owners): services, staff, opening hours and closures, booking and
// deposit policies, integrations. Every form checks its input with the server's own schemas
// (@cita/shared) before sending, and the server checks again; availability reads these rows on
// every search, so a saved change is what the next search offers.
import type { ReactNode } from "react";
import { useConsole } from "../ui/context.tsx";
import { HoursTab } from "./HoursTab.tsx";
import { IntegrationsTab } from "./IntegrationsTab.tsx";
import { PoliciesTab } from "./PoliciesTab.tsx";
import { ResourcesTab } from "./ResourcesTab.tsx";
import { ServicesTab } from "./ServicesTab.tsx";
import { StaffTab } from "./StaffTab.tsx";
import { type SettingsKey, useStrings } from "./strings.ts";

const TABS = [
  { id: "services", label: "tabServices" },
  { id: "staff", label: "tabStaff" },
  { id: "hours", label: "tabHours" },
  { id: "resources", label: "tabResources" },
  { id: "policies", label: "tabPolicies" },
  { id: "integrations", label: "tabIntegrations" },
] as const satisfies readonly { id: string; label: SettingsKey }[];

type TabId = (typeof TABS)[number]["id"];

export function Settings({ tab, navigate }: { tab: string | null; navigate(tab: string | null): void }) {
  const { session } = useConsole();
  const { s } = useStrings();
  const role = session.staff?.role;
  const current: TabId = TABS.some((t) => t.id === tab) ? (tab as TabId) : "services";
  if (role !== "owner" && role !== "manager") {
    return <section className="settings placeholder muted" data-testid="settings" />;
  }
  const views: Record<TabId, ReactNode> = {
    services: <ServicesTab />,
    staff: <StaffTab />,
    hours: <HoursTab />,
    resources: <ResourcesTab />,
    policies: <PoliciesTab />,
    integrations: <IntegrationsTab />,
  };
  return (
    <section className="settings" data-testid="settings" data-tab={current}>
      <div className="toolbar">
        <h2>{s.title}</h2>
        <div className="segmented" role="tablist">
          {TABS.map((t) => (
            <button
              key={t.id}
              type="button"
              role="tab"
              aria-selected={t.id === current}
              data-testid={`settings-tab-${t.id}`}
              onClick={() => navigate(t.id)}
            >
              {s[t.label]}
            </button>
          ))}
        </div>
      </div>
      {views[current]}
    </section>
  );
}
