package dev.aegis.canary.api;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The native image reads and writes these types with Jackson, by reflection; Quarkus registers the custom resource
 * classes themselves, this registers everything they contain.
 */
@RegisterForReflection(targets = {CanarySpec.class, CanaryStatus.class, TargetRef.class, TrafficSpec.class,
        TrafficSpec.NodesTraffic.class, TrafficSpec.GatewayApiTraffic.class, TrafficSpec.NginxTraffic.class,
        LocalObjectRef.class, ServiceSpec.class, AnalysisSpec.class, MetricSpec.class, TemplateRef.class,
        ThresholdRange.class, MetricResult.class, Condition.class, AnalysisTemplateSpec.class,
        AnalysisTemplateSpec.TemplateArg.class, AnalysisTemplateSpec.PrometheusSpec.class,
        AnalysisTemplateSpec.SecretRef.class, AnalysisTemplateSpec.TlsSpec.class, AnalysisTemplateSpec.HeaderSpec.class,
        AnalysisTemplateSpec.SecretKeyRef.class, AnalysisTemplateSpec.CountsSpec.class,
        AnalysisTemplateSpec.CountPart.class, AnalysisTemplateSpec.ArgAccepts.class,
        AnalysisTemplateSpec.ArgAccepts.ArgType.class, AnalysisTemplateSpec.LabelValues.class, CompareSpec.class,
        CompareSpec.Baseline.class, Phase.class,
        CheckResult.class, RouterType.class, WorkloadKind.class,
        TemplateRef.TemplateKind.class, NotificationProviderSpec.class,
        NotificationProviderSpec.ProviderType.class, NotificationRef.class, Severity.class, RequestStatus.class,
        WebhookSpec.class, HookType.class, Unreadable.CanarySpecReader.class, Unreadable.TemplateSpecReader.class,
        Unreadable.CanarySpecValue.class, Unreadable.TemplateSpecValue.class})
final class ApiReflection {

    private ApiReflection() {
    }
}
