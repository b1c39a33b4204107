package dev.aegis.canary.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How traffic is shifted between the primary and the canary. */
public enum RouterType {

    /** Pod counts: at weight w the canary runs ceil(w% of the pods). */
    @JsonProperty("replicas")
    REPLICAS("replicas"),
    /** Node counts: at weight w the canary runs on ceil(w% of the eligible nodes) (DaemonSets). */
    @JsonProperty("nodes")
    NODES("nodes"),
    /** Gateway API HTTPRoute backend weights. */
    @JsonProperty("gateway-api")
    GATEWAY_API("gateway-api"),
    /** ingress-nginx canary Ingress with a weight annotation. */
    @JsonProperty("nginx")
    NGINX("nginx");

    private final String value;

    RouterType(String value) {
        this.value = value;
    }

    /** The name users write in {@code spec.traffic.router}. */
    public String value() {
        return value;
    }
}
