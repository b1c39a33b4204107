package dev.aegis.canary.api;

/** Patterns shared by the CRD schemas and the controller's own validation. */
public final class Schema {

    /** A Go-style duration as Kubernetes users write it: 30s, 1m, 1h30m, 500ms. */
    public static final String DURATION = "^([0-9]+(ms|s|m|h))+$";

    /** A CEL rule for a duration field: at most a day (as the controller's SpecValidator.MAX_DURATION). */
    public static final String AT_MOST_A_DAY = "duration(self) <= duration('24h')";

    /** A Kubernetes object name (DNS-1123 subdomain). */
    public static final String NAME = "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$";

    /**
     * A Service port name (IANA_SVC_NAME), at most {@link #PORT_NAME_MAX_LENGTH} characters. The length is a separate
     * constraint: the API server compiles patterns as Go (RE2) regular expressions, which have no lookahead.
     */
    public static final String PORT_NAME = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

    public static final int PORT_NAME_MAX_LENGTH = 15;

    private Schema() {
    }
}
