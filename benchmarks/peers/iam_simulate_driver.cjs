// Decide the benchmark requests with @cloud-copilot/iam-simulate, timed in Node.
//
//   node iam_simulate_driver.cjs PACKAGE_DIR POLICY_SETS.json REQUESTS.jsonl RUNS
//
// PACKAGE_DIR is the node_modules/@cloud-copilot/iam-simulate folder. Every
// policy is loaded once per policy set (timed apart), then the engine's
// authorize() decides each request, as our engine does against a compiled
// PolicySet. Times are CPU seconds of this process. The exported
// runUnsafeSimulation() is not used: in 0.1.173 it loads the resource policy
// without a name and then fails reading that name. Prints JSON with decisions
// and per-pass seconds.
"use strict";

const fs = require("fs");
const path = require("path");
const { createRequire } = require("module");

const [packageDir, setsPath, requestsPath, runsText] = process.argv.slice(2);
const load = createRequire(path.resolve(packageDir, "package.json"));
const dist = (file) => load(path.resolve(packageDir, "dist", "cjs", file));

const { loadPolicy } = load("@cloud-copilot/iam-policy");
const { authorize } = dist("core_engine/CoreSimulatorEngine.js");
const { AwsRequestImpl } = dist("request/request.js");
const { RequestContextImpl } = dist("requestContext.js");
const { DiscoveryContextKeyConstraints } = dist(
  "context_keys/discoveryContextKeyConstraints.js",
);

const sets = new Map(JSON.parse(fs.readFileSync(setsPath, "utf8")).map((s) => [s.id, s]));
const requests = fs
  .readFileSync(requestsPath, "utf8")
  .split("\n")
  .filter((line) => line.trim())
  .map((line) => JSON.parse(line));

function levels(scps) {
  return scps.map((level, i) => ({
    orgIdentifier: `level-${i}`,
    policies: level.map((doc, j) => loadPolicy(doc, { name: `scp-${i}-${j}` })),
  }));
}

function preload(set) {
  return {
    identityPolicies: set.identity.map((doc, i) => loadPolicy(doc, { name: `id-${i}` })),
    serviceControlPolicies: levels(set.scps),
    resourcePolicy: set.resource_policy
      ? loadPolicy(set.resource_policy, { name: "resource" })
      : undefined,
    permissionBoundaries: set.boundary ? [loadPolicy(set.boundary, { name: "pb" })] : undefined,
  };
}

const strict = {
  simulationMode: "Strict",
  discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([]),
};

function decidePreloaded(request, loaded) {
  const context = new RequestContextImpl(request.context);
  const awsRequest = new AwsRequestImpl(
    request.principal,
    { resource: request.resource, accountId: request.resource_account },
    request.action,
    context,
    // An AWS request for an action without resource-level permissions names
    // "*"; without this flag the peer treats "*" as a wildcard pattern.
    request.resource === "*",
  );
  return authorize({
    request: awsRequest,
    sessionPolicy: undefined,
    identityPolicies: loaded.identityPolicies,
    serviceControlPolicies: loaded.serviceControlPolicies,
    resourceControlPolicies: [],
    resourcePolicy: loaded.resourcePolicy,
    permissionBoundaries: loaded.permissionBoundaries,
    vpcEndpointPolicies: undefined,
    simulationParameters: strict,
  }).result;
}

// CPU seconds of this process (user + system, every thread: V8's garbage
// collector and compiler threads work for the engine too), so that a machine
// shared with other jobs slows the figures less, as for the Python engines.
function cpuSeconds() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

function timed(runs, pass) {
  const seconds = [];
  for (let i = 0; i < runs; i++) {
    const start = cpuSeconds();
    pass();
    seconds.push(cpuSeconds() - start);
  }
  return seconds;
}

function main() {
  const runs = Number(runsText);

  const loadStart = cpuSeconds();
  const loaded = new Map();
  for (const [id, set] of sets) loaded.set(id, preload(set));
  const loadSeconds = cpuSeconds() - loadStart;

  const errors = [];
  const decisions = requests.map((request) => {
    try {
      return decidePreloaded(request, loaded.get(request.set));
    } catch (error) {
      errors.push(`${request.id}: ${error.message}`);
      return "Error";
    }
  });

  const preloadedPass = () => requests.forEach((r) => decidePreloaded(r, loaded.get(r.set)));
  const result = {
    version: load("./package.json").version,
    node: process.version,
    decisions,
    errors: errors.slice(0, 5),
    error_count: errors.length,
    load_seconds: loadSeconds,
    policy_sets: sets.size,
    preloaded_seconds: timed(runs, preloadedPass),
  };
  process.stdout.write(JSON.stringify(result));
}

main();
