// Validates Kubernetes objects against the API's JSON schemas (from the OpenAPI spec, shipped by
// the kubernetes-models package, ESM only, hence this script beside the tests that spawn it).
// Input: a JSON array of objects on stdin. Output: a JSON array of problems ([] when all are valid).
import { readFileSync } from 'node:fs';

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
  try {
    new Model(object).validate();
  } catch (error) {
    problems.push(`${where}: ${error.message}`);
  }
}
process.stdout.write(JSON.stringify(problems));
