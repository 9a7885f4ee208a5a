// The GraphQL that prisma-client-py writes, parsed into plain values, and translated to Prisma's
// JSON protocol (what the WebAssembly query engine speaks). Only the subset prisma-client-py
// 0.11-0.15 emits is read: one operation (`query`/`mutation`) holding one aliased field with
// arguments and a selection set; argument values are JSON literals, bare enum names, lists and
// objects with unquoted keys. Anything else is refused with the text where parsing stopped.

const PUNCT = new Set(["{", "}", "(", ")", "[", "]", ":"]);

function tokenize(text) {
  const tokens = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === " " || c === "\n" || c === "\r" || c === "\t" || c === ",") {
      i += 1;
    } else if (c === "#") {
      while (i < text.length && text[i] !== "\n") i += 1;
    } else if (PUNCT.has(c)) {
      tokens.push({ kind: c });
      i += 1;
    } else if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      tokens.push({ kind: "value", value: JSON.parse(text.slice(i, j + 1)) });
      i = j + 1;
    } else if (c === "-" || (c >= "0" && c <= "9")) {
      const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
      tokens.push({ kind: "value", value: Number(m[0]), raw: m[0] });
      i += m[0].length;
    } else {
      const m = /^[_A-Za-z][_0-9A-Za-z]*/.exec(text.slice(i));
      if (!m) throw new Error(`unexpected ${JSON.stringify(text.slice(i, i + 40))}`);
      tokens.push({ kind: "name", value: m[0] });
      i += m[0].length;
    }
  }
  return tokens;
}

class Parser {
  constructor(text) {
    this.tokens = tokenize(text);
    this.at = 0;
  }
  peek() {
    return this.tokens[this.at];
  }
  next(kind) {
    const token = this.tokens[this.at];
    if (!token || (kind && token.kind !== kind)) {
      throw new Error(`expected ${kind} at token ${this.at}, found ${JSON.stringify(token)}`);
    }
    this.at += 1;
    return token;
  }
  document() {
    const operation = this.next("name").value;
    this.next("{");
    const field = this.field();
    this.next("}");
    return { operation, field };
  }
  field() {
    let name = this.next("name").value;
    let alias = null;
    if (this.peek()?.kind === ":") {
      this.next(":");
      alias = name;
      name = this.next("name").value;
    }
    const args = this.peek()?.kind === "(" ? this.arguments() : {};
    const selection = this.peek()?.kind === "{" ? this.selection() : null;
    return { alias, name, args, selection };
  }
  arguments() {
    this.next("(");
    const args = {};
    while (this.peek()?.kind !== ")") {
      const key = this.next("name").value;
      this.next(":");
      args[key] = this.value();
    }
    this.next(")");
    return args;
  }
  selection() {
    this.next("{");
    const fields = [];
    while (this.peek()?.kind !== "}") fields.push(this.field());
    this.next("}");
    return fields;
  }
  value() {
    const token = this.next();
    if (token.kind === "value") return token.value;
    if (token.kind === "name") {
      if (token.value === "true") return true;
      if (token.value === "false") return false;
      if (token.value === "null") return null;
      return token.value; // an enum member
    }
    if (token.kind === "[") {
      const items = [];
      while (this.peek()?.kind !== "]") items.push(this.value());
      this.next("]");
      return items;
    }
    if (token.kind === "{") {
      const object = {};
      while (this.peek()?.kind !== "}") {
        const key = this.next("name").value;
        this.next(":");
        object[key] = this.value();
      }
      this.next("}");
      return object;
    }
    throw new Error(`unexpected ${JSON.stringify(token)}`);
  }
}

export function parse(text) {
  const parser = new Parser(text);
  const doc = parser.document();
  if (parser.at !== parser.tokens.length) throw new Error("text after the operation");
  return doc;
}

// Longest first: findUniqueX must not be read as findUnique + "X..." of an OrThrow query.
const ACTIONS = [
  ["findUnique", "OrThrow", "findUniqueOrThrow"],
  ["findFirst", "OrThrow", "findFirstOrThrow"],
  ["findUnique", "", "findUnique"],
  ["findFirst", "", "findFirst"],
  ["findMany", "", "findMany"],
  ["createOne", "", "createOne"],
  ["createMany", "", "createMany"],
  ["updateOne", "", "updateOne"],
  ["updateMany", "", "updateMany"],
  ["deleteOne", "", "deleteOne"],
  ["deleteMany", "", "deleteMany"],
  ["upsertOne", "", "upsertOne"],
  ["aggregate", "", "aggregate"],
  ["groupBy", "", "groupBy"],
];

/** The JSON protocol's (action, model) of a GraphQL root field such as `createOneLiteLLM_X`. */
export function actionOf(fieldName, models) {
  if (fieldName === "executeRaw" || fieldName === "queryRaw") return { action: fieldName };
  for (const [prefix, suffix, action] of ACTIONS) {
    if (!fieldName.startsWith(prefix) || !fieldName.endsWith(suffix)) continue;
    const model = fieldName.slice(prefix.length, fieldName.length - suffix.length);
    if (models.has(model)) return { action, model };
  }
  throw new Error(`unknown operation ${fieldName}`);
}
