// Validates Kubernetes objects against the API's JSON schemas (from the OpenAPI spec, shipped by
// the kubernetes-models package as compiled validators, ESM only, hence this script beside the tests
// that spawn it). Input: a JSON array of objects on stdin. Output: a JSON array of problems ([] when
// all are valid).
//
// Strict: the API schemas allow unknown fields (and the API server would silently drop a typo such
// as `readinesProbe`), so each object is validated through a proxy that records which keys the
// validator reads. A compiled validator reads every property its schema declares and enumerates the
// keys of maps (labels, data), so a key it never read is one the schema does not know.
import { readFileSync } from 'node:fs';

/** Wraps `value` so reads of its keys are recorded; `unknownKeys()` then lists the keys never read. */
function tracked(root) {
  const proxies = new WeakMap();
  const reads = [];
  const wrap = (value, path) => {
    if (value === null || typeof value !== 'object') return value;
    const existing = proxies.get(value);
    if (existing) return existing;
    const read = new Set();
    if (!Array.isArray(value)) reads.push({ value, path, read });
    const proxy = new Proxy(value, {
      get(target, key, receiver) {
        const child = Reflect.get(target, key, receiver);
        if (typeof key !== 'string' || !Object.hasOwn(target, key)) return child;
        read.add(key);
        return wrap(child, Array.isArray(target) ? `${path}[${key}]` : path ? `${path}.${key}` : key);
      },
    });
    proxies.set(value, proxy);
    return proxy;
  };
  return {
    proxy: wrap(root, ''),
    unknownKeys: () => reads.flatMap(({ value, path, read }) => Object.keys(value).filter((k) => !read.has(k)).map((k) => (path ? `${path}.${k}` : k))),
  };
}

const objects = JSON.parse(readFileSync(0, 'utf8'));
const problems = [];
for (const object of objects) {
  const where = `${object.kind}/${object.metadata?.name}`;
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : [null, object.apiVersion];
  const path = group ? `kubernetes-models/${group}/${version}/${object.kind}` : `kubernetes-models/${version}/${object.kind}`;
  let Model;
  try {
    Model = (await import(path))[object.kind];
  } catch (error) {
    problems.push(`${where}: no schema for ${object.apiVersion} ${object.kind} (${error.message})`);
    continue;
  }
  // The model's validate() on the raw object through the proxy: `new Model(object)` would copy
  // every key, reading them all.
  const { proxy, unknownKeys } = tracked(object);
  try {
    Model.prototype.validate.call(proxy);
  } catch (error) {
    problems.push(`${where}: ${error.message}`);
  }
  for (const key of unknownKeys()) problems.push(`${where}: unknown field ${key}`);
}
process.stdout.write(JSON.stringify(problems));
