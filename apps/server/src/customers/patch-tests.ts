// Patch tests (issue #21): staff record a customer's skin-allergy tests (when, product, result,
// notes — the notes encrypted at rest like the customer's own), list them, and remove one recorded
// by mistake. Each write is audited (no health or personal data in the audit: the row's id, the
// notes only as set/none) and
// appends a change for the customer, so consoles showing the profile refresh. Whether a booking
// needs a test is decided in bookings/patch-test.ts.

import { recordWrite, type Scope } from "../audit/scope.ts";
import type { Tx } from "../db/client.ts";
import { AppError } from "../errors/app-error.ts";

export interface PatchTestView {
  id: string;
  customerId: string;
  takenAt: string;
  product: string;
  result: "negative" | "positive";
  notes: string | null;
  /** The display name of the staff member who recorded it. */
  recordedBy: string | null;
  createdAt: string;
}

export interface PatchTestRecord {
  customerId: string;
  takenAt: Date;
  product: string;
  result: "negative" | "positive";
  notes?: string | null;
}

type Row = {
  id: string;
  customerId: string;
  takenAt: Date;
  product: string;
  result: "negative" | "positive";
  notesCipher: Uint8Array | null;
  createdAt: Date;
  recordedBy: { displayName: string } | null;
};

const include = { recordedBy: { select: { displayName: true } } } as const;

function view(scope: Pick<Scope, "fc">, r: Row): PatchTestView {
  return {
    id: r.id,
    customerId: r.customerId,
    takenAt: r.takenAt.toISOString(),
    product: r.product,
    result: r.result,
    notes: r.notesCipher ? scope.fc.decrypt(r.notesCipher) : null,
    recordedBy: r.recordedBy?.displayName ?? null,
    createdAt: r.createdAt.toISOString(),
  };
}

/** The customer the tests belong to: must exist, not erased, not merged away. */
async function liveCustomer(tx: Tx | Scope["db"], customerId: string): Promise<void> {
  const c = await tx.customer.findUnique({
    where: { id: customerId },
    select: { erasedAt: true, mergedIntoId: true },
  });
  if (!c) throw new AppError("NOT_FOUND", "Customer not found");
  if (c.erasedAt) throw new AppError("PRECONDITION_FAILED", "This customer's data has been erased");
  if (c.mergedIntoId) {
    throw new AppError("PRECONDITION_FAILED", "This customer was merged into another one: use that one", {
      mergedIntoId: c.mergedIntoId,
    });
  }
}

export async function recordPatchTest(scope: Scope, input: PatchTestRecord): Promise<PatchTestView> {
  if (Number.isNaN(input.takenAt.getTime())) throw new AppError("BAD_INPUT", "takenAt: must be a valid instant");
  if (input.takenAt.getTime() > scope.clock().getTime() + 60_000) {
    throw new AppError("BAD_INPUT", "takenAt: a patch test cannot be recorded before it is taken");
  }
  return scope.db.$transaction(async (tx) => {
    await liveCustomer(tx, input.customerId);
    const recorder = scope.actor.type === "staff" && scope.actor.id ? scope.actor.id : null;
    const row = await tx.patchTest.create({
      data: {
        customerId: input.customerId,
        takenAt: input.takenAt,
        product: input.product,
        result: input.result,
        notesCipher: input.notes ? scope.fc.encrypt(input.notes) : null,
        recordedByStaffId: recorder,
      },
      include,
    });
    await recordWrite(tx, scope, {
      action: "customer.patch_test_recorded",
      entityType: "customer",
      entityId: input.customerId,
      // The result is health data: the audit (not encrypted) names the row only.
      audit: { patchTestId: row.id, notes: input.notes ? "set" : "none" },
      change: { patchTest: row.id },
    });
    return view(scope, row);
  });
}

export async function listPatchTests(scope: Scope, customerId: string): Promise<PatchTestView[]> {
  const rows = await scope.db.patchTest.findMany({
    where: { customerId },
    orderBy: [{ takenAt: "desc" }, { createdAt: "desc" }],
    include,
    take: 1000,
  });
  return rows.map((r) => view(scope, r));
}

/** Removes a test recorded by mistake (wrong customer, wrong date): audited with the reason. */
export async function deletePatchTest(scope: Scope, input: { id: string; reason: string }): Promise<void> {
  await scope.db.$transaction(async (tx) => {
    const row = await tx.patchTest.findUnique({ where: { id: input.id } });
    if (!row) throw new AppError("NOT_FOUND", "Patch test not found");
    await tx.patchTest.delete({ where: { id: input.id } });
    await recordWrite(tx, scope, {
      action: "customer.patch_test_deleted",
      entityType: "customer",
      entityId: row.customerId,
      audit: { patchTestId: row.id, reason: input.reason },
      change: { patchTest: row.id, deleted: true },
    });
  });
}

/** The tests of a customer and the records merged into it, for the data export (export.ts). */
export async function exportPatchTests(
  fc: Scope["fc"],
  db: Scope["db"],
  customerIds: string[],
): Promise<Omit<PatchTestView, "customerId">[]> {
  const rows = await db.patchTest.findMany({
    where: { customerId: { in: customerIds } },
    orderBy: [{ takenAt: "asc" }, { createdAt: "asc" }],
    include,
  });
  return rows.map((r) => {
    const { customerId: _c, ...v } = view({ fc }, r);
    return v;
  });
}

/** Erasure (erase.ts): a person's skin-test history is health data; the rows go. Returns how many. */
export async function erasePatchTestRows(tx: Tx, customerIds: string[]): Promise<number> {
  return (await tx.patchTest.deleteMany({ where: { customerId: { in: customerIds } } })).count;
}

/** Merging (merge.ts): the duplicate's tests follow the person to the surviving record. */
export async function movePatchTests(tx: Tx, fromCustomerId: string, toCustomerId: string): Promise<number> {
  return (await tx.patchTest.updateMany({ where: { customerId: fromCustomerId }, data: { customerId: toCustomerId } }))
    .count;
}
