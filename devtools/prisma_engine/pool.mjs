// A `pg` pool whose raw-query answers only hold column types Prisma's PostgreSQL adapter knows.
//
// @prisma/adapter-pg 5.17 refuses a whole answer with a column of type name, name[], "char",
// regclass, interval or void (UnsupportedNativeDataType). LiteLLM reads such columns at start
// (`pg_views`, `pg_matviews`), and PostgreSQL's own text for them is what the native engine
// returned: so those columns are read as text (name[] as text[]).

import pg from "pg";
import arrays from "postgres-array";

const TEXT = 25;
const TEXT_ARRAY = 1009;
const NAME_ARRAY = 1003;
// What adapter-pg maps (its fieldToColumnType); any other built-in type (< 10000) is read as text.
const KNOWN = new Set([
  16, 17, 20, 21, 23, 25, 26, 114, 142, 650, 700, 701, 790, 869, 1042, 1043, 1082, 1083, 1114,
  1184, 1266, 1560, 1562, 1700, 2950, 3802, 143, 199, 651, 791, 1000, 1001, 1002, 1005, 1007,
  1009, 1014, 1015, 1016, 1021, 1022, 1028, 1041, 1115, 1182, 1183, 1231, 1561, 1563, 2951, 3807,
]);

function asText(value) {
  return value;
}

/** A pool for `connectionString` whose queries answer unknown built-in types as text. */
export function textTolerantPool(config) {
  const pool = new pg.Pool(config);
  pool.on("connect", (client) => {
    const query = client.query.bind(client);
    // pg's pool calls query(config, values, callback); a checked-out client (a transaction)
    // is called without the callback and answers a promise
    client.query = (request, values, callback) => {
      if (!request || typeof request !== "object" || !request.types) {
        return query(request, values, callback);
      }
      const parsers = request.types;
      const types = {
        getTypeParser: (oid, format) =>
          oid < 10000 && !KNOWN.has(oid) ? asText : parsers.getTypeParser(oid, format),
      };
      if (typeof callback === "function") {
        return query({ ...request, types }, values, (error, result) =>
          callback(error, error ? result : retyped(result)),
        );
      }
      return query({ ...request, types }, values).then(retyped);
    };
  });
  return pool;
}

function retyped(result) {
  if (!result.fields) return result;
  result.fields.forEach((field, i) => {
    if (field.dataTypeID >= 10000 || KNOWN.has(field.dataTypeID)) return;
    const array = field.dataTypeID === NAME_ARRAY;
    field.dataTypeID = array ? TEXT_ARRAY : TEXT;
    if (array) {
      for (const row of result.rows) if (row[i] !== null) row[i] = arrays.parse(row[i]);
    }
  });
  return result;
}
