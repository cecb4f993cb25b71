// A small zod 4 → fast-check deriver for fuzzing procedures from their own input schemas (there is no
// maintained zod 4 adapter). It reads the schema's definition (`_zod.def`: type, checks, shape) and
// builds three kinds of arbitrary:
//
//   valid(schema)    values the schema should accept (refinements aside): right types, within bounds,
//                    real ids and plausible dates when the caller's `hint` supplies them for a field
//   mutated(schema)  a valid value with ONE place made hostile: a boundary just outside, a control
//                    character, a huge string or array, an extreme date, or a value of the wrong type
//   wild(schema)     every field independently valid or hostile
//
// Only what JSON can carry is generated (the wire is JSON): no undefined inside arrays, no NaN/Infinity,
// no Dates. Callers round-trip values through JSON before sending them anyway.
import fc from "fast-check";
import type { z } from "zod";

type Schema = z.ZodType;
type Arb = fc.Arbitrary<unknown>;

interface Def {
  type: string;
  checks?: { _zod: { def: CheckDef } }[];
  shape?: Record<string, Schema>;
  innerType?: Schema;
  element?: Schema;
  options?: Schema[];
  entries?: Record<string, string | number>;
  values?: unknown[];
  in?: Schema;
  out?: Schema;
  format?: string;
  pattern?: RegExp;
  defaultValue?: unknown;
  getter?: () => Schema;
  keyType?: Schema;
  valueType?: Schema;
  left?: Schema;
  right?: Schema;
  items?: Schema[];
}

interface CheckDef {
  check: string;
  value?: number;
  inclusive?: boolean;
  minimum?: number;
  maximum?: number;
  length?: number;
  format?: string;
  pattern?: RegExp;
}

const defOf = (s: Schema): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** What a field's name and schema say, so the caller can supply better values (real ids, near dates). */
export interface FieldInfo {
  /** The object key this value sits under ("" at the root, the array's key for its elements). */
  key: string;
  /** "uuid", "datetime", "email", "regex" (with `pattern`), or undefined for plain strings. */
  format: string | undefined;
  pattern: RegExp | undefined;
  type: string;
  /** An object's keys (empty for other types). */
  keys: string[];
}

export interface DeriveOptions {
  /** A better valid arbitrary for this field, or undefined for the derived one. */
  hint?: (field: FieldInfo) => Arb | undefined;
  /** Extra hostile values for this field (added to the derived ones). */
  hostileHint?: (field: FieldInfo) => Arb | undefined;
}

interface StringBounds {
  min: number;
  max: number | undefined;
  format: string | undefined;
  pattern: RegExp | undefined;
  patterns: RegExp[];
}

/** Ordinary prose: a pattern that accepts it only keeps characters out (control characters, say). */
const PROSE = "Hola, ¿qué tal? 123 Ana-María";
const test = (p: RegExp, s: string) => {
  p.lastIndex = 0;
  return p.test(s);
};

function stringBounds(d: Def): StringBounds {
  const b: StringBounds = {
    min: 0,
    max: undefined,
    format: d.format,
    pattern: d.pattern,
    patterns: d.pattern ? [d.pattern] : [],
  };
  for (const c of allChecks(d)) {
    if (c.check === "min_length") b.min = Math.max(b.min, c.minimum ?? 0);
    if (c.check === "max_length") b.max = Math.min(b.max ?? Infinity, c.maximum ?? Infinity);
    if (c.check === "length_equals") b.min = b.max = c.length ?? 0;
    if (c.check === "string_format" && c.pattern) {
      b.patterns.push(c.pattern);
      if (c.format && c.format !== "regex") b.format = c.format;
      // A pattern that shapes the value (a date, a slug, a colour), not one that only bans characters.
      else if (!b.format && !test(c.pattern, PROSE)) {
        b.format = "regex";
        b.pattern = c.pattern;
      }
    }
  }
  return b;
}

function allChecks(d: Def): CheckDef[] {
  return (d.checks ?? []).map((c) => c._zod.def);
}

interface NumberBounds {
  int: boolean;
  min: number | undefined;
  max: number | undefined;
  minExclusive: boolean;
  maxExclusive: boolean;
}

function numberBounds(d: Def): NumberBounds {
  const b: NumberBounds = { int: false, min: undefined, max: undefined, minExclusive: false, maxExclusive: false };
  const checks = allChecks(d);
  if ((d as unknown as CheckDef).check === "number_format") checks.push(d as unknown as CheckDef);
  for (const c of checks) {
    if (c.check === "number_format" && /int/.test(c.format ?? "")) b.int = true;
    if (c.check === "greater_than" && c.value !== undefined && (b.min === undefined || c.value >= b.min)) {
      b.min = c.value;
      b.minExclusive = c.inclusive === false;
    }
    if (c.check === "less_than" && c.value !== undefined && (b.max === undefined || c.value <= b.max)) {
      b.max = c.value;
      b.maxExclusive = c.inclusive === false;
    }
  }
  return b;
}

const isOptionalish = (s: Schema): boolean => {
  const t = defOf(s).type;
  return t === "optional" || t === "default" || t === "prefault";
};

const WRONG_TYPES: unknown[] = [null, true, false, 0, -1, 1.5, "", "x", [], {}, [null], { a: 1 }, "null", "[]"];

/** Strings no text field should store as given. */
export const HOSTILE_TEXT: string[] = [
  "\u0000",
  "a\u0000b",
  "\u0001\u0002\u0003",
  "\u0007bell",
  "\u001b[31mred\u001b[0m",
  "\u007f",
  "\u0085",
  "\u009b",
  "\r",
  "\ud800",
  "x\udfffy",
  "\ufeffbom",
  "\u202eevil",
  "💇‍♀️ Ana",
  "İstanbul ß",
  "' OR 1=1 --",
  "%_%\\",
  "$1 $& $'",
  "   ",
  "",
  "\n\t",
  "__proto__",
  "constructor",
];

/** Calendar dates that are not dates, or not ones a salon has. */
export const HOSTILE_DATES: string[] = [
  "9999-99-99",
  "0000-00-00",
  "0000-01-01",
  "2026-02-30",
  "2026-02-29",
  "2026-13-01",
  "2026-00-10",
  "2026-04-31",
  "9999-12-31",
  "1970-01-01",
  "1899-12-31",
  "2100-01-01",
  "1999-12-31",
  "2026-1-1",
  "+12026-01-01",
  "2026-03-10T00:00:00Z",
];

/** Instants at and beyond the edges of time. */
export const HOSTILE_INSTANTS: string[] = [
  "9999-12-31T23:59:59Z",
  "9999-12-31T23:59:59.999+14:00",
  "0000-01-01T00:00:00Z",
  "0001-01-01T00:00:00Z",
  "1970-01-01T00:00:00Z",
  "1969-12-31T23:59:59Z",
  "1999-12-31T23:59:59Z",
  "2100-01-01T00:00:00Z",
  "2099-12-31T23:59:59Z",
  "2026-03-10T09:00:00.123456789Z",
  "2026-03-10T09:00:00+23:59",
  "2026-03-10T09:00:00-23:59",
  "2026-03-29T02:30:00+01:00",
  "2026-02-30T10:00:00Z",
  "2026-03-10",
  "2026-03-10T25:00:00Z",
  "+275760-09-13T00:00:00Z",
];

const HOSTILE_NUMBERS: number[] = [
  0,
  -0,
  -1,
  0.5,
  -0.5,
  1e-7,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 32,
  2 ** 53 - 1,
  2 ** 53 + 2,
  -(2 ** 53) - 2,
  1e21,
  1e308,
  -1e308,
  Number.MIN_VALUE,
];

function hugeString(min: number, unit = "x"): Arb {
  return fc.constantFrom(min, 10_000, 200_000).map((n) => unit.repeat(Math.max(1, n)));
}

export class ZodArbitraries {
  private readonly validCache = new Map<Schema, Map<string, Arb>>();

  constructor(private readonly opts: DeriveOptions = {}) {}

  private info(s: Schema, key: string): FieldInfo {
    const d = defOf(s);
    if (d.type === "string") {
      const b = stringBounds(d);
      return { key, format: b.format, pattern: b.pattern, type: "string", keys: [] };
    }
    return { key, format: undefined, pattern: undefined, type: d.type, keys: Object.keys(d.shape ?? {}) };
  }

  /** Values the schema's types and bounds accept. */
  valid(s: Schema, key = ""): Arb {
    let byKey = this.validCache.get(s);
    if (!byKey) {
      byKey = new Map();
      this.validCache.set(s, byKey);
    }
    let a = byKey.get(key);
    if (!a) {
      a = this.deriveValid(s, key);
      byKey.set(key, a);
    }
    return a;
  }

  private deriveValid(s: Schema, key: string): Arb {
    const d = defOf(s);
    const hinted = this.opts.hint?.(this.info(s, key));
    if (hinted) return hinted;
    switch (d.type) {
      case "string":
        return this.validString(d);
      case "number": {
        const b = numberBounds(d);
        let min = b.min ?? (b.int ? -5 : -5);
        let max = b.max ?? (b.min !== undefined ? Math.max(b.min, 0) + 1000 : 1000);
        if (b.int) {
          if (b.minExclusive) min = Math.floor(min) + 1;
          if (b.maxExclusive) max = Math.ceil(max) - 1;
          min = Math.ceil(min);
          max = Math.floor(max);
          if (max < min) return fc.constant(min);
          const lo = fc.integer({ min, max: Math.min(max, min + 10) });
          return fc.oneof(lo, fc.integer({ min, max }), fc.constantFrom(min, max));
        }
        return fc.double({
          min,
          max,
          noNaN: true,
          noDefaultInfinity: true,
          minExcluded: b.minExclusive,
          maxExcluded: b.maxExclusive,
        });
      }
      case "boolean":
        return fc.boolean();
      case "enum":
        return fc.constantFrom(...Object.values(d.entries ?? {}));
      case "literal":
        return fc.constantFrom(...(d.values ?? [null]));
      case "null":
        return fc.constant(null);
      case "undefined":
      case "void":
        return fc.constant(undefined);
      case "optional":
        return fc.option(this.valid(d.innerType!, key), { nil: undefined, freq: 3 });
      case "nullable":
        return fc.option(this.valid(d.innerType!, key), { nil: null, freq: 4 });
      case "default":
      case "prefault":
        return fc.option(this.valid(d.innerType!, key), { nil: undefined, freq: 2 });
      case "nonoptional":
      case "readonly":
      case "catch":
        return this.valid(d.innerType!, key);
      case "pipe":
        return this.valid(d.in!, key);
      case "lazy":
        return fc.constant(null).chain(() => this.valid(d.getter!(), key));
      case "union":
        return fc.oneof(...(d.options ?? []).map((o) => this.valid(o, key)));
      case "intersection":
        return this.valid(d.left!, key);
      case "array": {
        const b = arrayBounds(d);
        return fc.array(this.valid(d.element!, key), {
          minLength: b.min,
          maxLength: Math.max(b.min, Math.min(b.max ?? 4, 4)),
        });
      }
      case "tuple":
        return fc.tuple(...(d.items ?? []).map((i) => this.valid(i, key)));
      case "object": {
        const shape = d.shape ?? {};
        const model: Record<string, Arb> = {};
        for (const [k, v] of Object.entries(shape)) model[k] = this.valid(v, k);
        const requiredKeys = Object.keys(shape).filter((k) => !isOptionalish(shape[k]!));
        return fc.record(model, { requiredKeys }).map(dropUndefined);
      }
      case "record":
        return fc.dictionary(fc.string({ maxLength: 8 }), this.valid(d.valueType!, key), { maxKeys: 3 });
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  }

  private validString(d: Def): Arb {
    const b = stringBounds(d);
    if (b.format === "uuid") return fc.uuid();
    if (b.format === "email") return fc.emailAddress().filter((e) => e.length <= (b.max ?? 254));
    if (b.format === "datetime") return fc.date({ noInvalidDate: true }).map((x) => x.toISOString());
    if (b.format === "regex" && b.pattern) {
      const p = b.pattern;
      return fc.stringMatching(p).filter((x) => x.length >= b.min && x.length <= (b.max ?? Infinity) && fits(x, b));
    }
    const max = Math.min(b.max ?? 40, Math.max(b.min, 40));
    return fc
      .oneof(
        fc.string({ minLength: b.min, maxLength: max }),
        fc.string({ minLength: b.min, maxLength: max, unit: "grapheme-composite" }),
        fc.lorem({ maxCount: 4 }),
      )
      .map((x) => (x.trim().length >= b.min ? x : "x".repeat(Math.max(b.min, 1))))
      .filter((x) => fits(x, b));
  }

  /** Values the schema should refuse (or that sit on its edges). */
  hostile(s: Schema, key = ""): Arb {
    const d = defOf(s);
    const extra = this.opts.hostileHint?.(this.info(s, key));
    const wrong = fc.constantFrom(...WRONG_TYPES);
    const own = this.ownHostile(s, d, key);
    return extra
      ? fc.oneof({ arbitrary: own, weight: 5 }, { arbitrary: extra, weight: 3 }, { arbitrary: wrong, weight: 1 })
      : fc.oneof({ arbitrary: own, weight: 4 }, { arbitrary: wrong, weight: 1 });
  }

  private ownHostile(s: Schema, d: Def, key: string): Arb {
    switch (d.type) {
      case "string": {
        const b = stringBounds(d);
        const base = this.valid(s, key);
        const parts: fc.WeightedArbitrary<unknown>[] = [
          { arbitrary: fc.constantFrom(...HOSTILE_TEXT), weight: 2 },
          // A valid value with a control character (or a lone surrogate) spliced in.
          {
            arbitrary: fc
              .tuple(base, fc.constantFrom("\u0000", "\u0001", "\u001f", "\u007f", "\ud800", "\u0000\u0000"), fc.nat())
              .map(([v, c, i]) => (typeof v === "string" ? splice(v, c, i) : c)),
            weight: 3,
          },
          { arbitrary: hugeString((b.max ?? 1000) + 1), weight: 1 },
          { arbitrary: hugeString((b.max ?? 1000) + 1, "é"), weight: 1 },
        ];
        const add = (arbitrary: Arb, weight = 1) => parts.push({ arbitrary, weight });
        if (b.max !== undefined) add(fc.constantFrom("y".repeat(b.max), "y".repeat(b.max + 1)));
        if (b.min > 0) add(fc.constantFrom("y".repeat(b.min - 1), " ".repeat(b.min)));
        if (b.format === "datetime") add(fc.constantFrom(...HOSTILE_INSTANTS), 6);
        if (b.format === "uuid")
          add(
            fc.constantFrom(
              "00000000-0000-0000-0000-000000000000",
              "ffffffff-ffff-ffff-ffff-ffffffffffff",
              "00000000-0000-4000-8000-000000000000",
              "not-a-uuid",
              "{00000000-0000-4000-8000-000000000001}",
            ),
            2,
          );
        if (b.format === "uuid") add(base.map((u) => (typeof u === "string" ? u.toUpperCase() : u)));
        if (b.format === "regex" && b.pattern && test(b.pattern, "2026-03-10"))
          add(fc.constantFrom(...HOSTILE_DATES), 6);
        if (b.format === "regex" && b.pattern && test(b.pattern, "123") && !test(b.pattern, "12a"))
          add(fc.constantFrom("9999999999999999999", "9223372036854775807", "9223372036854775808", "0"), 4);
        return fc.oneof(...parts);
      }
      case "number": {
        const b = numberBounds(d);
        const edges: number[] = [...HOSTILE_NUMBERS];
        if (b.min !== undefined) edges.push(b.min, b.min - 1, b.min - 0.5, b.min + 0.5);
        if (b.max !== undefined) edges.push(b.max, b.max + 1, b.max - 0.5, b.max + 0.5);
        return fc.oneof(fc.constantFrom(...edges), fc.constantFrom("1", "1e3", "NaN", "Infinity", "-0"));
      }
      case "boolean":
        return fc.constantFrom("true", "false", 1, 0, "yes", null);
      case "enum": {
        const values = Object.values(d.entries ?? {}).map(String);
        return fc.oneof(
          fc.constantFrom("", "OWNER", "x", "constructor", "__proto__"),
          fc.constantFrom(...values).map((v) => `${v}\u0000`),
          fc.constantFrom(...values).map((v) => v.toUpperCase()),
        );
      }
      case "literal":
        return fc.constantFrom(false, "true", 1, null, "");
      case "optional":
      case "nullable":
      case "default":
      case "prefault":
      case "nonoptional":
      case "readonly":
      case "catch":
        return this.mutated(d.innerType!, key);
      case "pipe":
        return this.mutated(d.in!, key);
      case "lazy":
        return fc.constant(null).chain(() => this.mutated(d.getter!(), key));
      case "union":
        return fc.oneof(...(d.options ?? []).map((o) => this.mutated(o, key)));
      case "intersection":
        return this.mutated(d.left!, key);
      case "array": {
        const b = arrayBounds(d);
        const element = this.valid(d.element!, key);
        return fc.oneof(
          // One element made hostile.
          fc
            .tuple(
              fc.array(element, { minLength: Math.max(b.min, 1), maxLength: 3 }),
              this.mutated(d.element!, key),
              fc.nat(),
            )
            .map(([arr, bad, i]) => {
              const out = [...arr];
              out[i % out.length] = bad;
              return out;
            }),
          // Too many (just over, and far over), or none.
          fc
            .tuple(element, fc.constantFrom((b.max ?? 100) + 1, 5_000))
            .map(([e, n]) => Array.from({ length: n }, () => e)),
          fc.constant([]),
          fc.array(element, { minLength: 0, maxLength: 2 }).map((a) => [...a, ...a]),
        );
      }
      case "object": {
        const shape = d.shape ?? {};
        const keys = Object.keys(shape);
        const base = this.valid(s, key) as fc.Arbitrary<Record<string, unknown>>;
        const parts: fc.WeightedArbitrary<unknown>[] = [];
        const add = (arbitrary: Arb, weight = 1) => parts.push({ arbitrary, weight });
        add(fc.constant({}));
        add(
          // Own "__proto__" / "constructor" keys, as JSON.parse makes them from a request body.
          base.map((v) =>
            Object.assign(JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}'), v),
          ),
        );
        add(base.map((v) => ({ ...v, extra: "\u0000", [`${keys[0] ?? "k"}\u0000`]: 1 })));
        if (keys.length) {
          // Mostly: one field made hostile, the rest valid.
          add(
            fc
              .tuple(base, fc.constantFrom(...keys))
              .chain(([v, k]) =>
                fc.oneof(
                  { arbitrary: this.mutated(shape[k]!, k).map((bad) => ({ ...v, [k]: bad })), weight: 8 },
                  { arbitrary: fc.constant(omit(v, k)), weight: 1 },
                  { arbitrary: fc.constant({ ...v, [k]: null }), weight: 1 },
                ),
              ),
            12,
          );
        }
        return fc.oneof(...parts);
      }
      default:
        return fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant("x".repeat(200_000)));
    }
  }

  /** A valid value with one place made hostile (deep inside objects and arrays). */
  mutated(s: Schema, key = ""): Arb {
    return this.hostile(s, key);
  }

  /** Each field independently valid or hostile: for inputs that are wrong in several places. */
  wild(s: Schema, key = ""): Arb {
    const d = defOf(s);
    if (d.type === "object") {
      const shape = d.shape ?? {};
      const model: Record<string, Arb> = {};
      for (const [k, v] of Object.entries(shape)) {
        model[k] = fc.oneof({ arbitrary: this.valid(v, k), weight: 2 }, { arbitrary: this.wild(v, k), weight: 1 });
      }
      return fc.record(model, { requiredKeys: [] }).map(dropUndefined);
    }
    if (["optional", "nullable", "default", "prefault", "readonly"].includes(d.type))
      return this.wild(d.innerType!, key);
    return fc.oneof(this.valid(s, key), this.hostile(s, key));
  }

  /** valid / mutated / wild in one, weighted. */
  input(s: Schema, weights = { valid: 7, mutated: 8, wild: 3, anything: 1 }): Arb {
    return fc.oneof(
      { arbitrary: this.valid(s), weight: weights.valid },
      { arbitrary: this.mutated(s), weight: weights.mutated },
      { arbitrary: this.wild(s), weight: weights.wild },
      { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: weights.anything },
    );
  }
}

function arrayBounds(d: Def): { min: number; max: number | undefined } {
  let min = 0;
  let max: number | undefined;
  for (const c of allChecks(d)) {
    if (c.check === "min_length") min = Math.max(min, c.minimum ?? 0);
    if (c.check === "max_length") max = Math.min(max ?? Infinity, c.maximum ?? Infinity);
    if (c.check === "length_equals") min = max = c.length ?? 0;
  }
  return { min, max };
}

function fits(x: string, b: StringBounds): boolean {
  return b.patterns.every((p) => test(p, x));
}

function splice(s: string, c: string, i: number): string {
  const at = s.length ? i % (s.length + 1) : 0;
  return s.slice(0, at) + c + s.slice(at);
}

function omit(v: Record<string, unknown>, k: string): Record<string, unknown> {
  const { [k]: _, ...rest } = v;
  return rest;
}

function dropUndefined(v: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = x;
  return out;
}

/** What a JSON body would carry: undefined dropped, NaN/Infinity → null, -0 → 0. */
export function overTheWire(v: unknown): unknown {
  if (v === undefined) return undefined;
  return JSON.parse(JSON.stringify(v));
}
