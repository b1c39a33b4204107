package dev.aegis.canary.rollout;

import java.time.Duration;
import java.util.List;

import dev.aegis.canary.api.CanaryStatus;

/**
 * The state machine's answer to one reconcile.
 *
 * @param status the new status; its intent ({@link TrafficIntent#of}) is applied by the next reconcile
 * @param events what to tell people
 * @param requeueAfter when to look again at the latest
 */
public record Decision(CanaryStatus status, List<RolloutEvent> events, Duration requeueAfter) {

    public Decision {
        events = List.copyOf(events);
    }
}
