// Salon settings (managers and owners): placeholder until the settings forms land.
export function Settings(_props: { tab: string | null; navigate(tab: string | null): void }) {
  return <section data-testid="settings" />;
}
