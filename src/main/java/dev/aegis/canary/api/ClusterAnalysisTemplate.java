package dev.aegis.canary.api;

import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** An AnalysisTemplate every namespace can use. */
@Group(Canary.GROUP)
@Version(Canary.VERSION)
@ShortNames("cat")
public class ClusterAnalysisTemplate extends CustomResource<AnalysisTemplateSpec, Void> {
}
