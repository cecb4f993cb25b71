// The zone arithmetic lives in @cita/shared (time.ts), so the console computes local days exactly
// as the availability engine does. Re-exported here for the server's modules.
export { addDays, isValidTimeZone, type LocalParts, localToUtc, toLocal, weekdayOf, zoneOffsetMs } from "@cita/shared";
