// Validate one Kubernetes DaemonSet (JSON on stdin) against the Kubernetes OpenAPI schema that
// the npm package kubernetes-models bundles (offline: no cluster, no download of schemas).
// tests/deploy.bats installs the package and runs this.
import { DaemonSet } from "kubernetes-models/apps/v1";
import { readFileSync } from "node:fs";
const obj = JSON.parse(readFileSync(0, "utf8"));
try {
  new DaemonSet(obj).validate();
  console.log(`valid: ${obj.kind} ${obj.metadata.name}`);
} catch (e) {
  console.log(`invalid: ${e.message}`);
  process.exit(1);
}
