import {
  customerCreateInput,
  customerDetail,
  customerEraseInput,
  customerEraseOutput,
  customerExport,
  customerExportInput,
  customerGetInput,
  customerMergeInput,
  customerMergeOutput,
  customerSearchInput,
  customerSearchOutput,
  customerUpdateInput,
  customerView,
} from "@cita/shared";
import { clearInput } from "../../audit/input.ts";
import { scopeFrom } from "../../audit/scope.ts";
import { mediaDirOf } from "../../config/data-dir.ts";
import { createCustomer, getCustomer, searchCustomers, updateCustomer } from "../../customers/customers.ts";
import { eraseCustomer } from "../../customers/erase.ts";
import { exportCustomer } from "../../customers/export.ts";
import { mergeCustomers } from "../../customers/merge.ts";
import { router } from "../init.ts";
import { procedureFor } from "../procedures.ts";

/** Where channels/media.ts keeps attachments. */
const mediaOf = (ctx: { config: { CITA_DATA_DIR: string } }) => ({ mediaDir: mediaDirOf(ctx.config.CITA_DATA_DIR) });

export const customersRouter = router({
  search: procedureFor("customers.read")
    .input(clearInput(customerSearchInput))
    .output(customerSearchOutput)
    .query(({ ctx, input }) => searchCustomers(scopeFrom(ctx), input)),
  get: procedureFor("customers.read")
    .input(clearInput(customerGetInput))
    .output(customerDetail)
    .query(({ ctx, input }) => getCustomer(scopeFrom(ctx), input.customerId)),
  create: procedureFor("customers.write")
    .input(clearInput(customerCreateInput))
    .output(customerView)
    .mutation(({ ctx, input }) => createCustomer(scopeFrom(ctx), input)),
  update: procedureFor("customers.write")
    .input(clearInput(customerUpdateInput))
    .output(customerView)
    .mutation(({ ctx, input }) => updateCustomer(scopeFrom(ctx), input)),
  merge: procedureFor("customers.write")
    .input(clearInput(customerMergeInput))
    .output(customerMergeOutput)
    .mutation(({ ctx, input }) => mergeCustomers(scopeFrom(ctx), input)),
  /** A mutation, not a query: it writes an audit entry (who took a copy of whose data). */
  export: procedureFor("customers.export")
    .input(clearInput(customerExportInput))
    .output(customerExport)
    .mutation(({ ctx, input }) => exportCustomer(scopeFrom(ctx), input.customerId, mediaOf(ctx))),
  erase: procedureFor("customers.erase")
    .input(clearInput(customerEraseInput))
    .output(customerEraseOutput)
    .mutation(({ ctx, input }) =>
      eraseCustomer(scopeFrom(ctx), { customerId: input.customerId, version: input.version }, mediaOf(ctx)),
    ),
});
