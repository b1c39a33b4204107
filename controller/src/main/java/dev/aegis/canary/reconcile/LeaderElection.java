package dev.aegis.canary.reconcile;

import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Produces;

import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;

import dev.aegis.canary.config.AegisConfig;

/**
 * Leader election through a Lease in the controller's namespace, so two replicas can run and only one acts; the
 * replica that loses the lease exits and is restarted as a follower. The Operator SDK uses it in the prod profile
 * when this bean exists; {@code aegis.leader-election.enabled=false} turns it off (the demo, a single replica).
 */
public class LeaderElection {

    @Produces
    @Dependent
    LeaderElectionConfiguration leaderElection(AegisConfig config, Leadership leadership) {
        if (!config.leaderElection().enabled()) {
            return null;
        }
        AegisConfig.LeaderElection election = config.leaderElection();
        return LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(election.leaseName())
                .withLeaseDuration(election.leaseDuration()).withRenewDeadline(election.renewDeadline())
                .withRetryPeriod(election.retryPeriod())
                .withLeaderCallbacks(new LeaderCallbacks(leadership::started, leadership::stopped, leader -> {
                })).build();
    }
}
