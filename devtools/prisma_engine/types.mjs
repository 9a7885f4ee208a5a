// Typing of values between the two protocols, from the schema's DMMF.
//
// prisma-client-py writes every value as a JSON literal: a Json field arrives as JSON text, a
// DateTime as an ISO string, a BigInt as a number. The JSON protocol needs those typed
// (`{"$type": "Json", "value": "..."}`), or PostgreSQL would store a jsonb *string*. Each
// argument is typed by walking the input types the DMMF gives for it. Answers go the other way:
// typed values become what the native engine's GraphQL protocol returned (Json as JSON text,
// DateTime as an ISO string).

const TAGGED = new Set(["Json", "DateTime", "BigInt", "Decimal", "Bytes"]);

export class Typing {
  constructor(dmmf) {
    this.inputs = new Map();
    for (const kind of ["prisma", "model"]) {
      for (const type of dmmf.schema.inputObjectTypes[kind] || []) {
        this.inputs.set(type.name, new Map(type.fields.map((f) => [f.name, f.inputTypes])));
      }
    }
    this.outputs = new Map();
    for (const kind of ["prisma", "model"]) {
      for (const type of dmmf.schema.outputObjectTypes[kind] || []) {
        this.outputs.set(type.name, new Map(type.fields.map((f) => [f.name, f])));
      }
    }
    this.models = new Set(dmmf.datamodel.models.map((m) => m.name));
  }

  /** The arguments of root field `name` (of Query or Mutation), typed. */
  rootArguments(name, args) {
    const field = this.outputs.get("Query")?.get(name) || this.outputs.get("Mutation")?.get(name);
    return this.argumentsOf(field, args);
  }

  /** Arguments of an output field (a relation's `where`, `orderBy`...), typed. */
  argumentsOf(field, args) {
    const typed = {};
    for (const [key, value] of Object.entries(args)) {
      const arg = field?.args.find((a) => a.name === key);
      typed[key] = arg ? this.value(value, arg.inputTypes) : value;
    }
    return typed;
  }

  /** The output field `name` of output type `typeName` (for nested selections). */
  outputField(typeName, name) {
    return this.outputs.get(typeName)?.get(name);
  }

  value(value, inputTypes) {
    if (value === null || value === undefined) return value;
    const scalars = new Set(
      inputTypes.filter((t) => t.location === "scalar" || t.location === "enumTypes").map((t) => t.type),
    );
    const objects = inputTypes.filter((t) => t.location === "inputObjectTypes");
    if (Array.isArray(value)) {
      const listed = inputTypes.filter((t) => t.isList);
      if (listed.length) {
        const single = listed.map((t) => ({ ...t, isList: false }));
        return value.map((item) => this.value(item, single));
      }
      if (scalars.has("Json")) return { $type: "Json", value: JSON.stringify(value) };
      return value;
    }
    if (typeof value === "object") {
      if (objects.length) return this.object(value, objects);
      if (scalars.has("Json")) return { $type: "Json", value: JSON.stringify(value) };
      return value;
    }
    const plain =
      (typeof value === "string" && scalars.has("String")) ||
      (typeof value === "number" && (scalars.has("Int") || scalars.has("Float"))) ||
      (typeof value === "boolean" && scalars.has("Boolean"));
    if (plain) return value;
    // a Json field also admits the enum JsonNullValueInput: JSON text is the field's value
    for (const tag of TAGGED) {
      if (!scalars.has(tag)) continue;
      if (tag === "Json" && typeof value !== "string") return { $type: tag, value: JSON.stringify(value) };
      return { $type: tag, value: String(value) };
    }
    return value;
  }

  object(value, candidates) {
    const types = candidates.map((c) => this.inputs.get(c.type)).filter(Boolean);
    const typed = {};
    for (const [key, item] of Object.entries(value)) {
      const fieldTypes = types.map((t) => t.get(key)).find(Boolean);
      typed[key] = fieldTypes ? this.value(item, fieldTypes) : item;
    }
    return typed;
  }
}

/** A JSON-protocol answer's data as the GraphQL protocol gave it. */
export function untype(value) {
  if (Array.isArray(value)) return value.map(untype);
  if (value === null || typeof value !== "object") return value;
  if (typeof value.$type === "string" && "value" in value) {
    if (value.$type === "BigInt") {
      const n = Number(value.value);
      return Number.isSafeInteger(n) ? n : value.value;
    }
    return value.value; // Json text, ISO DateTime, Decimal and base64 Bytes as strings
  }
  const out = {};
  for (const [key, item] of Object.entries(value)) out[key] = untype(item);
  return out;
}

// The raw-query answer of Prisma 5 engines (`columns`, `types`, `rows`) as prisma-client-py 0.11
// reads it: one object per row, each value `{prisma__type, prisma__value}`.
const RAW_TYPE = {
  int: "int",
  bigint: "bigint",
  float: "float",
  double: "double",
  string: "string",
  enum: "enum",
  bytes: "bytes",
  bool: "bool",
  char: "char",
  decimal: "decimal",
  json: "json",
  xml: "xml",
  uuid: "uuid",
  datetime: "datetime",
  date: "date",
  time: "time",
  null: "null",
};

export function rawRows(result) {
  if (!result || !Array.isArray(result.columns)) return result;
  return result.rows.map((row) => {
    const out = {};
    result.columns.forEach((column, i) => {
      out[column] = rawValue(result.types[i], row[i]);
    });
    return out;
  });
}

function rawValue(type, value) {
  if (value === null) return { prisma__type: "null", prisma__value: null };
  if (type.endsWith("-array")) {
    const element = type.slice(0, -"-array".length);
    return { prisma__type: "array", prisma__value: value.map((v) => rawValue(element, v)) };
  }
  return { prisma__type: RAW_TYPE[type] || type, prisma__value: value };
}
