package dev.aegis.canary.analysis;

/** What a metric query returned, before judging. */
public sealed interface QueryResult {

    /** Exactly one sample with this value (NaN included: the judge decides what it means). */
    record Sample(double value) implements QueryResult {
    }

    /** The query ran and matched nothing. */
    record NoSamples() implements QueryResult {
    }

    /** The query could not be answered. */
    record Failure(FailureKind kind, String reason) implements QueryResult {
    }

    enum FailureKind {
        /** No answer within the timeout. */
        TIMEOUT,
        /** The server could not be reached. */
        UNREACHABLE,
        /** Non-2xx HTTP status (Prometheus says why in its body). */
        HTTP_STATUS,
        /** The query returned more than one series; a check needs one number. */
        SEVERAL_SERIES,
        /** The response was not what the Prometheus HTTP API returns. */
        BAD_RESPONSE,
        /** The query could not be built (template, variables, Secret). */
        QUERY
    }
}
