// Reports (managers and owners): placeholder until the reports view lands.
export function Reports() {
  return <section data-testid="reports" />;
}
