package dev.aegis.canary.workload;

/** Labels and annotations the controller sets; all live under canary.aegis.dev and are the controller's alone. */
public final class Labels {

    /** On the primary's pods and selector: tells primary pods from canary pods that share the target's labels. */
    /**
     * The field manager of the controller's patches and applies: Git's objects show which of their fields it set
     * (managedFields), and a GitOps tool's own apply takes them back without a conflict of its own.
     */
    public static final String FIELD_MANAGER = "aegis-canary";

    public static final String ROLE = "canary.aegis.dev/role";
    public static final String ROLE_PRIMARY = "primary";

    /** On every object the controller creates: the Canary that owns it. */
    public static final String CANARY = "canary.aegis.dev/canary";

    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String MANAGED_BY_VALUE = "aegis-canary";

    /**
     * On the primary: the revision (pod template hash) its template holds. On a StatefulSet canaried in place: the
     * revision its pods below the partition run.
     */
    public static final String REVISION = "canary.aegis.dev/revision";

    /** On a held StatefulSet: the images of the revision its pods below the partition run, for people. */
    public static final String IMAGES = "canary.aegis.dev/images";

    /**
     * On the target: the replica count the controller set. A different spec.replicas means someone else (Git) set it,
     * and that count becomes the workload's size.
     */
    public static final String REPLICAS = "canary.aegis.dev/replicas";

    /**
     * On the pods of both DaemonSets of a node-by-node rollout (in their templates): the controller watches these
     * pods, and only these, to know which version runs on which node.
     */
    public static final String NODE_ROLLOUT = "canary.aegis.dev/node-rollout";
    public static final String NODE_ROLLOUT_VALUE = "true";

    /** The API server's count of a DaemonSet's template changes, on the DaemonSet. */
    public static final String DAEMONSET_TEMPLATE_GENERATION = "deprecated.daemonset.template.generation";
    /** The DaemonSet controller's copy of that count, on each pod: the template the pod was made from. */
    public static final String POD_TEMPLATE_GENERATION = "pod-template-generation";

    /** The label the Deployment controller puts on a ReplicaSet's pods. */
    public static final String POD_TEMPLATE_HASH = "pod-template-hash";
    /** The Deployment controller's rollout counter, on Deployments and their ReplicaSets. */
    public static final String DEPLOYMENT_REVISION = "deployment.kubernetes.io/revision";

    private Labels() {
    }
}
