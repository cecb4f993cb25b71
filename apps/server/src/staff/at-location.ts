// Who works at a location (issue #21): the stylists based there and those who also work there
// (staff_location). A Prisma filter on staff_member, for the writers that read stylists by ORM;
// availability's loader says the same in SQL (availability/load.ts, the `st` CTE).
export function staffAtLocation(locationId: string) {
  return { OR: [{ locationId }, { otherLocations: { some: { locationId } } }] };
}
