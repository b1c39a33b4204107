package dev.aegis.canary.routing;

import dev.aegis.canary.api.Canary;

/**
 * The object a weighted router steers (an HTTPRoute's backend weights, an ingress-nginx canary Ingress): reads and
 * sets the canary's share of the traffic. Implementations touch nothing else of the object.
 */
public interface TrafficWeights {

    /** Why the Canary's router object cannot be used (missing, or sends nothing to the Service), naming the field. */
    String problem(Canary canary);

    /** The canary's weight in effect at the router now, 0..100. */
    int current(Canary canary);

    /**
     * Sets the canary's weight (the primary gets the rest).
     *
     * @return the weight in effect after the write, so the caller need not read it back
     */
    int set(Canary canary, int weight);

    /** Canary deletion: everything to the primary, and the controller's own objects go. */
    void release(Canary canary);
}
