package dev.aegis.canary.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** When a lifecycle webhook is called, and what its answer does. */
public enum HookType {

    /** Before a new revision's run starts; the run starts only once every such hook answers 2xx. */
    @JsonProperty("confirm-rollout")
    CONFIRM_ROLLOUT("confirm-rollout"),
    /** With every check of the first step; an answer other than 2xx fails that check. */
    @JsonProperty("pre-rollout")
    PRE_ROLLOUT("pre-rollout"),
    /** With every check; an answer other than 2xx fails that check. */
    @JsonProperty("rollout")
    ROLLOUT("rollout"),
    /** After a passing check, before the weight goes up; the step holds until every such hook answers 2xx. */
    @JsonProperty("confirm-traffic-increase")
    CONFIRM_TRAFFIC_INCREASE("confirm-traffic-increase"),
    /** After the last step passed; the run waits (phase WaitingPromotion) until every such hook answers 2xx. */
    @JsonProperty("confirm-promotion")
    CONFIRM_PROMOTION("confirm-promotion"),
    /** Once a run ends, promoted or rolled back; the answer changes nothing. */
    @JsonProperty("post-rollout")
    POST_ROLLOUT("post-rollout"),
    /** With every check; a 2xx answer rolls the run back at once. */
    @JsonProperty("rollback")
    ROLLBACK("rollback");

    private final String value;

    HookType(String value) {
        this.value = value;
    }

    /** The name users write in {@code spec.webhooks[].type}. */
    public String value() {
        return value;
    }
}
