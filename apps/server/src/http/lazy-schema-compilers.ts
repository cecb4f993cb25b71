// Fastify loads ajv and fast-json-stringify when a server is created (about 40 ms of a restart, on
// the way to ready), though no Cita route declares a Fastify schema: tRPC's procedures, the
// webhook handlers and the forms validate with zod. These factories load Fastify's own compilers
// the first time a route with a schema needs one and then behave as its defaults. (One difference,
// should a route ever declare a `headers` schema: Fastify treats these as custom compilers and so
// does not lower-case that schema's property names for them.)
import { createRequire } from "node:module";

type Factory = (externalSchemas: unknown, options: unknown) => unknown;

const fromFastify = createRequire(createRequire(import.meta.url).resolve("fastify"));
let validator: Factory | undefined;
let serializer: Factory | undefined;

export const lazySchemaCompilers = {
  buildValidator: (externalSchemas: unknown, options: unknown) => {
    validator ??= (fromFastify("@fastify/ajv-compiler") as () => Factory)();
    return validator(externalSchemas, options);
  },
  buildSerializer: (externalSchemas: unknown, options: unknown) => {
    serializer ??= (fromFastify("@fastify/fast-json-stringify-compiler") as () => Factory)();
    return serializer(externalSchemas, options);
  },
};
