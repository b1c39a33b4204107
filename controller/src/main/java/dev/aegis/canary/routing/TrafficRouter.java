package dev.aegis.canary.routing;

import dev.aegis.canary.rollout.RouteStatus;
import dev.aegis.canary.rollout.TrafficIntent;

/**
 * Shifts traffic between the primary and the canary. One implementation per router; each call brings the world one
 * step closer to the intent (it never waits) and reports what is in effect.
 */
public interface TrafficRouter {

    /**
     * Applies the intent as far as it can be now; idempotent.
     *
     * @param intent a SPLIT, STABLE or PROMOTE intent
     */
    RouteStatus apply(DeploymentRollout rollout, TrafficIntent intent);
}
