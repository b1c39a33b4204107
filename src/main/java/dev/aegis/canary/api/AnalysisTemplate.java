package dev.aegis.canary.api;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A Prometheus query with declared args, used by the Canaries of its namespace. */
@Group(Canary.GROUP)
@Version(Canary.VERSION)
@ShortNames("at")
public class AnalysisTemplate extends CustomResource<AnalysisTemplateSpec, Void> implements Namespaced {
}
