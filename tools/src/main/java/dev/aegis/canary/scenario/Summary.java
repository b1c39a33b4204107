package dev.aegis.canary.scenario;

import java.util.List;

import io.quarkus.runtime.annotations.RegisterForReflection;

import dev.aegis.canary.api.Phase;

/**
 * What a simulated release did, in scenario time (seconds since the Canary was first Ready). Every field is
 * documented in docs/analysis.md, "Simulate a release before it happens".
 *
 * @param scenario the scenario's name
 * @param passed whether the outcome is the expected one
 * @param finalPhase the Canary's phase at the end
 * @param message the Canary's status message at the end: why it rolled back, or what it promoted
 * @param expectedPhase the phase the scenario expects, if any
 * @param timeScale how much faster than scenario time it ran
 * @param scenarioSeconds how long the release took, scenario time
 * @param wallSeconds how long it took, real time
 * @param phases every phase the Canary went through, with when
 * @param steps every traffic step reached, with when
 * @param fault timings from the fault's onset, when the scenario marks one
 * @param exposure requests the canary's pods served
 * @param checks the checks of the last run, by outcome
 * @param prometheusQueries queries Prometheus answered while the scenario ran
 * @param apiRequests requests the controller made to the Kubernetes API while the scenario ran (watches count once,
 *     when opened); null where they are not counted
 */
@RegisterForReflection
public record Summary(String scenario, boolean passed, Phase finalPhase, String message, Phase expectedPhase,
        double timeScale,
        double scenarioSeconds, double wallSeconds, List<At> phases, List<Step> steps, Fault fault,
        Exposure exposure, Checks checks, long prometheusQueries, Long apiRequests) {

    @RegisterForReflection
    public record At(Phase phase, double at) {
    }

    /** A step's weight (the canary's share of traffic) and its effective weight once reached. */
    @RegisterForReflection
    public record Step(int weight, int effectiveWeight, double at) {
    }

    /**
     * @param onsetAt when the fault began
     * @param decisionAfter from onset to the rollback decision (phase RolledBack or Failed); null if none
     * @param stableAfter from onset until the canary served no traffic; null if it still does
     */
    @RegisterForReflection
    public record Fault(double onsetAt, Double decisionAfter, Double stableAfter) {
    }

    /**
     * @param canaryRequests requests the canary's pods served during the scenario
     * @param canaryFailedRequests of those, the failed ones
     * @param afterOnsetRequests requests the canary's pods served from the fault's onset on
     * @param afterOnsetFailedRequests of those, the failed ones: how many users the bad version hurt
     */
    @RegisterForReflection
    public record Exposure(double canaryRequests, double canaryFailedRequests, double afterOnsetRequests,
            double afterOnsetFailedRequests) {
    }

    @RegisterForReflection
    public record Checks(int passed, int failed, int noData, int error) {
    }
}
