package dev.aegis.canary.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The last request a person made through the canary.aegis.dev/request annotation, and what became of it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RequestStatus {

    @JsonPropertyDescription("pause, resume, promote, abort or retry; or the unknown value asked for.")
    private String action;
    @JsonPropertyDescription("Who asked: the canary.aegis.dev/requested-by annotation.")
    private String requestedBy;
    @JsonPropertyDescription("When the controller acted on the request.")
    private String time;
    @JsonPropertyDescription("What the controller did, or why it did nothing.")
    private String outcome;
    @JsonPropertyDescription("The canary.aegis.dev/request-id annotation of the request, when it had one.")
    private String id;

    public RequestStatus() {
    }

    public RequestStatus(String action, String requestedBy, String time, String outcome) {
        this.action = action;
        this.requestedBy = requestedBy;
        this.time = time;
        this.outcome = outcome;
    }

    public RequestStatus(RequestStatus other) {
        this(other.action, other.requestedBy, other.time, other.outcome);
        this.id = other.id;
    }

    public String getId() {
        return id;
    }

    public void setId(String id) {
        this.id = id;
    }

    public String getAction() {
        return action;
    }

    public void setAction(String action) {
        this.action = action;
    }

    public String getRequestedBy() {
        return requestedBy;
    }

    public void setRequestedBy(String requestedBy) {
        this.requestedBy = requestedBy;
    }

    public String getTime() {
        return time;
    }

    public void setTime(String time) {
        this.time = time;
    }

    public String getOutcome() {
        return outcome;
    }

    public void setOutcome(String outcome) {
        this.outcome = outcome;
    }
}
