import {
  customerCreateInput,
  customerDetail,
  customerGetInput,
  customerSearchInput,
  customerSearchOutput,
  customerUpdateInput,
  customerView,
} from "@cita/shared";
import { clearInput } from "../../audit/input.ts";
import { scopeFrom } from "../../audit/scope.ts";
import { createCustomer, getCustomer, searchCustomers, updateCustomer } from "../../customers/customers.ts";
import { router } from "../init.ts";
import { procedureFor } from "../procedures.ts";

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
});
