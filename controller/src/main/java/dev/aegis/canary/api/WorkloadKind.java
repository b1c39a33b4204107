package dev.aegis.canary.api;

/** The workload kinds a Canary can target. */
public enum WorkloadKind {
    Deployment, DaemonSet, StatefulSet
}
