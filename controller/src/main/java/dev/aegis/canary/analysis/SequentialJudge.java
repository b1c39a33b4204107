package dev.aegis.canary.analysis;

import java.util.Locale;

/**
 * Compares the canary's share of failed requests with the primary's, as often as one likes, and decides as soon as
 * the evidence is strong: the canary is worse than the primary by more than the margin, or it is shown to be no
 * worse. Pure: no I/O, no framework.
 *
 * <p>
 * Each version's failure ratio gets a confidence sequence: bounds that hold at every look at once, however often and
 * for however long one looks, so peeking does not inflate the error rates (a fixed-sample interval checked at every
 * look would). A bound comes from a test martingale: the likelihood ratio of the counts under a few alternatives
 * (multiples of the ratio tested), averaged with equal weights. Under the ratio tested, that average has expectation
 * 1 at every look, and by Ville's inequality it ever reaches 1/&alpha; with probability at most &alpha;. The bound is
 * the last ratio not yet rejected. Each bound is exact for independent requests (no normal approximation).
 *
 * <p>
 * Worse: the canary's lower bound exceeds the primary's upper bound plus the margin. No worse: the canary's upper
 * bound is below the primary's lower bound plus the margin. Each verdict is wrong only if one of the two bounds it
 * uses is, so with each bound at level &alpha;/2 a verdict is wrong with probability at most &alpha;.
 */
public final class SequentialJudge {

    /** Alternatives above the ratio tested (lower bounds): 1.25 to 30 times it. */
    private static final double[] ABOVE = {1.25, 1.5, 2, 3, 5, 10, 30};
    /** Alternatives below it (upper bounds), down to no failure at all. */
    private static final double[] BELOW = {0.8, 2.0 / 3, 0.5, 1.0 / 3, 0.2, 0.1, 0};
    private static final int BISECTIONS = 60;

    private SequentialJudge() {
    }

    /** Requests served and how many of them failed, over the same window. */
    public record Counts(long requests, long failed) {

        public Counts {
            if (requests < 0 || failed < 0 || failed > requests) {
                throw new IllegalArgumentException("counts need 0 <= failed <= requests, got " + failed + " of "
                        + requests);
            }
        }

        /** Prometheus' increase() extrapolates: counts arrive as decimals and are rounded, failed capped. */
        public static Counts of(double requests, double failed) {
            long n = Math.max(0, Math.round(requests));
            return new Counts(n, Math.min(n, Math.max(0, Math.round(failed))));
        }

        public double ratio() {
            return requests == 0 ? 0 : (double) failed / requests;
        }
    }

    /**
     * @param margin how much higher the canary's failure ratio may be than the primary's, as a ratio (0.005 = 0.5
     *        percentage points)
     * @param alpha the chance of a wrong verdict this test may take, e.g. 0.01 / steps
     * @param minSamples canary requests before any verdict
     */
    public record Settings(double margin, double alpha, long minSamples) {

        public Settings {
            if (!(margin >= 0 && margin < 1) || !(alpha > 0 && alpha < 1) || minSamples < 0) {
                throw new IllegalArgumentException("need 0 <= margin < 1, 0 < alpha < 1, minSamples >= 0");
            }
        }
    }

    public enum Decision {
        /** The canary is worse than the primary by more than the margin, with the confidence asked. */
        WORSE,
        /** The canary is worse by less than the margin (or better), with the confidence asked. */
        NO_WORSE,
        /** Not enough evidence either way yet. */
        UNDECIDED
    }

    /**
     * A verdict and its evidence: the bounds it rests on, as ratios (0..1).
     *
     * @param canaryLow the canary's lower bound; canaryHigh its upper bound
     * @param primaryLow the primary's lower bound; primaryHigh its upper bound
     */
    public record Verdict(Decision decision, Counts canary, Counts primary, double canaryLow, double canaryHigh,
            double primaryLow, double primaryHigh, Settings settings) {

        /** The primary's observed failure ratio; with no requests of its own, the fixed ratio it was given. */
        public double primaryRatio() {
            return primary.requests() > 0 ? primary.ratio() : primaryLow;
        }

        /**
         * In plain words, e.g. "canary failed 4.8% vs primary 0.1% over 1,240 requests; 99% confident it is worse by
         * more than 0.5 pp".
         *
         * @param confidence the confidence the user asked for, in percent, as the Canary states it
         */
        public String explain(double confidence) {
            return explain(confidence, "failed");
        }

        /** @param outcome what the failed count counts, in words: "failed", "slow" */
        public String explain(double confidence, String outcome) {
            String observed = "canary " + outcome + " " + percent(canary.ratio()) + " vs primary " + percent(
                    primaryRatio())
                    + " over " + String.format(Locale.ROOT, "%,d", canary.requests()) + " requests";
            String margin = points(settings.margin());
            String sure = number(confidence) + "% confident";
            return switch (decision) {
                case WORSE -> observed + "; " + sure + " it is worse by more than " + margin;
                case NO_WORSE -> observed + "; " + sure + " it is worse by less than " + margin + ", if at all";
                case UNDECIDED -> canary.requests() < settings.minSamples()
                        ? observed + "; waiting for " + String.format(Locale.ROOT, "%,d", settings.minSamples())
                                + " canary requests"
                        : observed + "; not yet " + sure + " either way (margin " + margin + ")";
            };
        }
    }

    /** Judges the counts of one window. The primary's counts may come from any number of requests, even none. */
    public static Verdict judge(Counts canary, Counts primary, Settings s) {
        double half = s.alpha() / 2;
        return decide(canary, primary, lowerBound(primary, half), upperBound(primary, half), s);
    }

    /**
     * Judges the canary against a primary ratio known from before (the primary serves nothing at the last step):
     * that ratio stands for the primary with no uncertainty of its own.
     */
    public static Verdict judge(Counts canary, double primaryRatio, Settings s) {
        return decide(canary, new Counts(0, 0), primaryRatio, primaryRatio, s);
    }

    private static Verdict decide(Counts canary, Counts primary, double primaryLow, double primaryHigh, Settings s) {
        double half = s.alpha() / 2;
        double canaryLow = lowerBound(canary, half);
        double canaryHigh = upperBound(canary, half);
        Decision decision = Decision.UNDECIDED;
        if (canary.requests() >= s.minSamples() && canary.requests() > 0) {
            if (canaryLow > primaryHigh + s.margin()) {
                decision = Decision.WORSE;
            } else if (canaryHigh < primaryLow + s.margin()) {
                decision = Decision.NO_WORSE;
            }
        }
        return new Verdict(decision, canary, primary, canaryLow, canaryHigh, primaryLow, primaryHigh, s);
    }

    /**
     * The smallest failure ratio not rejected at level alpha at this look (time-uniform: it holds at every look with
     * probability at least 1 - alpha). 0 when nothing failed.
     */
    public static double lowerBound(Counts c, double alpha) {
        if (c.failed() == 0) {
            return 0;
        }
        double threshold = Math.log(1 / alpha);
        double low = 0;
        double high = c.ratio();
        if (logEvidence(c, Math.ulp(1.0), ABOVE) < threshold) {
            return 0;
        }
        for (int i = 0; i < BISECTIONS; i++) {
            double mid = (low + high) / 2;
            if (logEvidence(c, mid, ABOVE) >= threshold) {
                low = mid;
            } else {
                high = mid;
            }
        }
        return high;
    }

    /** The largest failure ratio not rejected at level alpha at this look (time-uniform). 1 with no requests. */
    public static double upperBound(Counts c, double alpha) {
        if (c.requests() == 0) {
            return 1;
        }
        double threshold = Math.log(1 / alpha);
        double low = c.ratio();
        double high = 1;
        for (int i = 0; i < BISECTIONS; i++) {
            double mid = (low + high) / 2;
            if (logEvidence(c, mid, BELOW) >= threshold) {
                high = mid;
            } else {
                low = mid;
            }
        }
        return low;
    }

    /**
     * The logarithm of the test martingale against failure ratio p: the likelihood ratio of the counts under each
     * alternative m &times; p against p, averaged with equal weights. Each alternative is a fixed function of p, so
     * each ratio has expectation 1 under p, and so has their average.
     */
    static double logEvidence(Counts c, double p, double[] multiples) {
        double[] terms = new double[multiples.length];
        double max = Double.NEGATIVE_INFINITY;
        long n = c.requests();
        long x = c.failed();
        for (int k = 0; k < multiples.length; k++) {
            // Above p, an alternative stays short of 1 (halfway there), so a canary failing nearly every request
            // can still be bounded close to 1.
            double q = multiples[k] > 1 ? Math.min(multiples[k] * p, (1 + p) / 2) : multiples[k] * p;
            double term;
            if (q >= 1) {
                term = Double.NEGATIVE_INFINITY;
            } else if (q == 0) {
                term = x > 0 ? Double.NEGATIVE_INFINITY : n * -Math.log1p(-p);
            } else {
                term = x * Math.log(multiples[k]) + (n - x) * (Math.log1p(-q) - Math.log1p(-p));
            }
            terms[k] = term;
            max = Math.max(max, term);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            return max;
        }
        double sum = 0;
        for (double t : terms) {
            sum += Math.exp(t - max);
        }
        return max + Math.log(sum / multiples.length);
    }

    /** 0.048 → "4.8%"; 0.00012 → "0.012%". */
    static String percent(double ratio) {
        return number(100 * ratio) + "%";
    }

    /** 0.005 → "0.5 pp". */
    static String points(double ratio) {
        return number(100 * ratio) + " pp";
    }

    private static String number(double v) {
        String text = v != 0 && Math.abs(v) < 0.1
                ? String.format(Locale.ROOT, "%.2g", v)
                : String.format(Locale.ROOT, "%.1f", v);
        return text.contains(".") && !text.contains("e") ? text.replaceAll("0+$", "").replaceAll("\\.$", "") : text;
    }
}
