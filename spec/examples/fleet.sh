#!/usr/bin/env bash
# The fleet view over the example fleet: 8 hosts in 4 pools, one VM.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
hosts="$here/fleet-hosts.jsonl"

# Pools of identical hosts, which pool can receive from which, and the pool graph.
devstate fleet pools "$hosts" --dot pools.dot
devstate fleet pools "$hosts" --json > pools.json

# Where web-1 can go, and why not to old-1 (exit status 1: it cannot).
devstate fleet place "$here/fleet-vm.json" "$hosts"
devstate fleet place "$here/fleet-vm.json" "$hosts" --explain old-1 || test $? -eq 1

# The richest configuration every host loads (exit 1: no disk on edge-1, so no disk baseline).
devstate fleet baseline "$hosts" --vm baseline.json || test $? -eq 1

# Node labels for Kubernetes and the affinity that keeps web-1 on nodes that load its state.
devstate fleet labels "$hosts" --kubectl > label-nodes.sh
devstate fleet affinity "$here/fleet-vm.json" > affinity.yaml
