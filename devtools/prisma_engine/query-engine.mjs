#!/usr/bin/env node
// A stand-in for Prisma's native query engine, so that LiteLLM's proxy runs here with its
// database. TEST AND DEMO INFRASTRUCTURE ONLY: deployments use LiteLLM's image, which ships the
// native engine. Prisma's native engines are downloaded from a host these machines cannot
// reach; the npm registry has Prisma's WebAssembly query engine, which speaks only the JSON
// protocol through a driver adapter. This program serves the native engine's HTTP routes that
// prisma-client-py calls (it spawns the "binary" with `-p PORT` and PRISMA_DML_PATH) and
// translates each GraphQL request into a JSON-protocol request and the answer back.
//
//   GET  /status                          {"status": "ok"}
//   POST /                                one query, or {"batch": [...], "transaction": true}
//   POST /transaction/start               {"max_wait": ms, "timeout": ms} -> {"id": ...}
//   POST /transaction/{id}/commit|rollback
//   GET  /metrics                         empty figures (the wasm engine keeps none)
//
// Not supported (answered with an error naming it): metrics figures, isolation levels other
// than the default, MongoDB's raw commands. See README.md beside this file.

import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

import { actionOf, parse } from "./graphql.mjs";
import { textTolerantPool } from "./pool.mjs";
import { Typing, rawRows, untype } from "./types.mjs";

const require = createRequire(import.meta.url);
const HERE = path.dirname(fileURLToPath(import.meta.url));
// prisma-client-py compares this with the engine its release expects (0.11.0: Prisma 5.4.2's)
const ENGINE_HASH = process.env.PRISMA_STANDIN_ENGINE_HASH || "ac9d7041ed77bcc8a8dbd2ab6616b39013829574";
const TRACE = "{}";

function argument(names) {
  const args = process.argv.slice(2);
  for (const name of names) {
    const at = args.indexOf(name);
    if (at >= 0) return args[at + 1];
  }
  return undefined;
}

if (process.argv.includes("--version") || process.argv.includes("-V")) {
  process.stdout.write(`query-engine ${ENGINE_HASH}\n`);
  process.exit(0);
}

function datamodel() {
  if (process.env.PRISMA_DML_PATH) return fs.readFileSync(process.env.PRISMA_DML_PATH, "utf8");
  if (process.env.PRISMA_DML) return Buffer.from(process.env.PRISMA_DML, "base64").toString("utf8");
  throw new Error("no schema: set PRISMA_DML_PATH (prisma-client-py does)");
}

/** The datasource URL: OVERWRITE_DATASOURCES, else the schema's `url` (literal or env()). */
function datasourceUrl(dml) {
  if (process.env.OVERWRITE_DATASOURCES) {
    const [first] = JSON.parse(process.env.OVERWRITE_DATASOURCES);
    if (first?.url) return first.url;
  }
  const block = /datasource\s+\w+\s*\{([^}]*)\}/.exec(dml)?.[1] || "";
  const fromEnv = /url\s*=\s*env\(\s*"([^"]+)"\s*\)/.exec(block);
  if (fromEnv) return process.env[fromEnv[1]];
  return /url\s*=\s*"([^"]+)"/.exec(block)?.[1];
}

/** pg's pool settings for a Prisma URL (its own parameters are not PostgreSQL's). */
function poolConfig(url) {
  const parsed = new URL(url);
  const limit = Number(parsed.searchParams.get("connection_limit")) || 10;
  for (const name of ["connection_limit", "pool_timeout", "schema", "connect_timeout", "socket_timeout", "pgbouncer"]) {
    parsed.searchParams.delete(name);
  }
  return { connectionString: parsed.toString(), max: limit };
}

async function loadEngine(dml, adapter) {
  const dir = path.join(HERE, "node_modules/@prisma/query-engine-wasm/postgresql");
  const bindings = await import(path.join(dir, "query_engine_bg.js"));
  const bytes = fs.readFileSync(path.join(dir, "query_engine_bg.wasm"));
  const { instance } = await WebAssembly.instantiate(bytes, { "./query_engine_bg.js": bindings });
  bindings.__wbg_set_wasm(instance.exports);
  const log = (line) => {
    if (process.env.LOG_QUERIES || /"level":"(error|warn)/i.test(line)) process.stderr.write(`${line}\n`);
  };
  const engine = new bindings.QueryEngine({ datamodel: dml, logLevel: "warn", logQueries: false }, log, adapter);
  await engine.connect(TRACE);
  return engine;
}

function dmmfOf(dml) {
  const schemaWasm = require("@prisma/prisma-schema-wasm");
  return JSON.parse(schemaWasm.get_dmmf(JSON.stringify({ prismaSchema: dml })));
}

class Translator {
  constructor(typing) {
    this.typing = typing;
  }

  /** One GraphQL request as a JSON-protocol request, and how to read its answer back. */
  request(graphql) {
    const { field } = parse(graphql);
    const { action, model } = actionOf(field.name, this.typing.models);
    if (action === "executeRaw" || action === "queryRaw") {
      const args = { query: field.args.query, parameters: field.args.parameters ?? "[]" };
      return { json: { action, query: { arguments: args, selection: {} } }, raw: action === "queryRaw" };
    }
    const root = this.typing.outputField("Query", field.name) || this.typing.outputField("Mutation", field.name);
    const args = this.typing.argumentsOf(root, field.args);
    const selection = this.selection(field.selection, root?.outputType.type);
    return { json: { modelName: model, action, query: { arguments: args, selection } }, raw: false };
  }

  selection(fields, typeName) {
    const selection = {};
    for (const field of fields || []) {
      if (field.selection === null) {
        selection[field.name] = true;
        continue;
      }
      const output = this.typing.outputField(typeName, field.name);
      const nested = { selection: this.selection(field.selection, output?.outputType.type) };
      if (Object.keys(field.args).length) nested.arguments = this.typing.argumentsOf(output, field.args);
      selection[field.name] = nested;
    }
    return selection;
  }
}

/** A JSON-protocol answer (one query's) in the GraphQL protocol's form. */
function answer(response, raw) {
  if (response.errors) return { errors: response.errors };
  const [value] = Object.values(response.data || {});
  const data = untype(value === undefined ? null : value);
  return { data: { result: raw ? rawRows(data) : data } };
}

function failure(message) {
  return { errors: [{ error: message, user_facing_error: { is_panic: false, message, meta: {} } }] };
}

async function main() {
  const port = Number(argument(["-p", "--port"]) || 4466);
  const dml = datamodel();
  const url = datasourceUrl(dml);
  if (!url) throw new Error("the schema's datasource URL is not set (DATABASE_URL?)");
  const { PrismaPg } = require("@prisma/adapter-pg");
  const { bindAdapter } = require("@prisma/driver-adapter-utils");
  const pool = textTolerantPool(poolConfig(url));
  const engine = await loadEngine(dml, bindAdapter(new PrismaPg(pool)));
  const translator = new Translator(new Typing(dmmfOf(dml)));

  async function one(body, txId) {
    let translated;
    try {
      translated = translator.request(body.query);
    } catch (error) {
      process.stderr.write(`prisma stand-in: cannot translate: ${error.message}\n${body.query}\n`);
      return failure(`prisma stand-in cannot translate this query: ${error.message}`);
    }
    const response = JSON.parse(await engine.query(JSON.stringify(translated.json), TRACE, txId));
    return answer(response, translated.raw);
  }

  async function batch(body, txId) {
    const translated = body.batch.map((item) => translator.request(item.query));
    const request = { batch: translated.map((t) => t.json) };
    if (body.transaction) request.transaction = {};
    const response = JSON.parse(await engine.query(JSON.stringify(request), TRACE, txId));
    if (response.errors) return { errors: response.errors };
    return { batchResult: response.batchResult.map((r, i) => answer(r, translated[i].raw)) };
  }

  async function route(method, url, body, headers) {
    if (method === "GET" && url === "/status") return { status: "ok" };
    if (method === "GET" && url.startsWith("/metrics")) return { counters: [], gauges: [], histograms: [] };
    if (method === "POST" && url === "/transaction/start") {
      const options = { max_wait: body.max_wait ?? 2000, timeout: body.timeout ?? 5000 };
      if (body.isolation_level) options.isolation_level = body.isolation_level;
      return JSON.parse(await engine.startTransaction(JSON.stringify(options), TRACE));
    }
    const tx = /^\/transaction\/([^/]+)\/(commit|rollback)$/.exec(url);
    if (method === "POST" && tx) {
      const done = tx[2] === "commit" ? engine.commitTransaction(tx[1], TRACE) : engine.rollbackTransaction(tx[1], TRACE);
      return JSON.parse(await done);
    }
    if (method === "POST" && url === "/") {
      const txId = headers["x-transaction-id"] || undefined;
      return body.batch ? batch(body, txId) : one(body, txId);
    }
    return null;
  }

  const handle = (req, res) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", async () => {
      let status = 200;
      let payload;
      try {
        const text = Buffer.concat(chunks).toString("utf8");
        payload = await route(req.method, req.url, text ? JSON.parse(text) : {}, req.headers);
        if (payload === null) {
          status = 404;
          payload = failure(`prisma stand-in: no route ${req.method} ${req.url}`);
        }
      } catch (error) {
        process.stderr.write(`prisma stand-in: ${error.stack || error}\n`);
        status = 500;
        payload = failure(`prisma stand-in: ${error.message || error}`);
      }
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(payload));
    });
  };
  // prisma-client-py calls http://localhost:PORT, which may resolve to either loopback address
  const servers = ["127.0.0.1", "::1"].map((host) => {
    const server = http.createServer(handle);
    server.on("error", (error) => {
      if (host === "127.0.0.1") throw error;
    });
    server.listen(port, host);
    return server;
  });

  const stop = () => {
    for (const server of servers) server.close();
    Promise.resolve(engine.disconnect(TRACE))
      .catch(() => {})
      .finally(() => pool.end().finally(() => process.exit(0)));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  // the native engine dies with the process that spawned it; a proxy killed outright (SIGKILL)
  // never stops its engine, so watch for being orphaned and release the database connections
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop();
  }, 1000).unref();
}

main().catch((error) => {
  process.stderr.write(`prisma stand-in failed to start: ${error.stack || error}\n`);
  process.exit(1);
});
