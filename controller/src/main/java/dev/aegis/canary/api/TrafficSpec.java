package dev.aegis.canary.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class TrafficSpec {

    @JsonPropertyDescription("replicas | nodes | gateway-api | nginx; default: replicas for a Deployment or StatefulSet, nodes for a DaemonSet.")
    private RouterType router;

    @JsonPropertyDescription("Settings of the nodes router (DaemonSets).")
    private NodesTraffic nodes;

    @JsonProperty("gatewayAPI")
    @JsonPropertyDescription("Settings of the gateway-api router.")
    private GatewayApiTraffic gatewayAPI;

    @JsonPropertyDescription("Settings of the nginx router.")
    private NginxTraffic nginx;

    public RouterType getRouter() {
        return router;
    }

    public void setRouter(RouterType router) {
        this.router = router;
    }

    public NodesTraffic getNodes() {
        return nodes;
    }

    public void setNodes(NodesTraffic nodes) {
        this.nodes = nodes;
    }

    public GatewayApiTraffic getGatewayAPI() {
        return gatewayAPI;
    }

    public void setGatewayAPI(GatewayApiTraffic gatewayAPI) {
        this.gatewayAPI = gatewayAPI;
    }

    public NginxTraffic getNginx() {
        return nginx;
    }

    public void setNginx(NginxTraffic nginx) {
        this.nginx = nginx;
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class NodesTraffic {

        @JsonPropertyDescription("A node label whose values the canary nodes are spread evenly over, e.g. topology.kubernetes.io/zone.")
        private String spreadBy;

        public String getSpreadBy() {
            return spreadBy;
        }

        public void setSpreadBy(String spreadBy) {
            this.spreadBy = spreadBy;
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class GatewayApiTraffic {

        @JsonPropertyDescription("The HTTPRoute, in the Canary's namespace, whose backendRefs to the Canary's Service the controller weighs.")
        private LocalObjectRef httpRouteRef;

        public LocalObjectRef getHttpRouteRef() {
            return httpRouteRef;
        }

        public void setHttpRouteRef(LocalObjectRef httpRouteRef) {
            this.httpRouteRef = httpRouteRef;
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class NginxTraffic {

        @JsonPropertyDescription("The Ingress, in the Canary's namespace, whose <name>-canary copy the controller owns.")
        private LocalObjectRef ingressRef;

        public LocalObjectRef getIngressRef() {
            return ingressRef;
        }

        public void setIngressRef(LocalObjectRef ingressRef) {
            this.ingressRef = ingressRef;
        }
    }
}
