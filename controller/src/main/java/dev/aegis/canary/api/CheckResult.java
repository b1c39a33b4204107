package dev.aegis.canary.api;

/** The outcome of one metric check. Only Pass lets a step advance. */
public enum CheckResult {
    Pass, Fail,
    /** The query returned no sample, or NaN: nothing to judge. */
    NoData,
    /** The query could not be answered (timeout, HTTP status, several series, bad response). */
    Error,
    /** The sequential judge has not seen enough yet to call the canary worse or no worse: the step holds. */
    Inconclusive
}
