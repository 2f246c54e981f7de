"""The fleet view: where can a VM go, over a whole inventory of hosts.

``check-migration`` and ``negotiate`` answer for one source and one destination device.
The fleet view answers for thousands of hosts at once without pairwise work over hosts:
hosts with identical capabilities share one canonical signature (a *pool*), and the
device-level checks run once per pair of distinct device descriptions.

One module per concept: ``inventory`` (host and VM records from JSON, JSON Lines or
Parquet, malformed records reported and skipped), ``registry`` (schemas by model and
version), ``pairs`` (the pairwise device check, cached), ``pools`` (signatures and the
"can receive from" relation), ``place``, ``baseline``, ``labels`` (Kubernetes node labels
and the VM's node affinity) and ``graph`` (the pool graph for Graphviz).
"""
