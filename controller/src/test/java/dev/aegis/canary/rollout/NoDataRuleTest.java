package dev.aegis.canary.rollout;

import static dev.aegis.canary.rollout.RouteStatus.Unit.PODS;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.aegis.canary.api.CanaryStatus;
import dev.aegis.canary.api.CheckResult;
import dev.aegis.canary.api.MetricResult;
import dev.aegis.canary.api.Phase;

/**
 * The no-data rules in numbers: 1,000 simulated releases through the real state machine, each look answered by a
 * model of Prometheus' samples with scrape gaps (single missed scrapes, outages of up to two windows, and a step's
 * pods first scraped up to three scrape intervals after they are ready). A look
 * finds data when its range holds at least two scrapes of the canary's pods since they were ready at the step (what
 * rate() and increase() need).
 */
class NoDataRuleTest {

    static final int RELEASES = 1_000;
    static final Instant START = Instant.parse("2026-12-01T00:00:00Z");
    static final RolloutStateMachine MACHINE = new RolloutStateMachine(Duration.ofSeconds(5), Duration.ofMinutes(5));

    /**
     * Scrapes of one release: when each happened and whether it succeeded, and how long after a step's pods are
     * ready Prometheus first scrapes them (service discovery and its target batches take a few scrapes).
     */
    record Scrapes(Duration every, long phaseMillis, boolean[] ok, Duration discovery) {

        /** 5% of scrapes missed at random, plus up to three outages each up to {@code maxOutage} long. */
        static Scrapes of(Random random, Duration every, Duration span, Duration maxOutage) {
            int n = (int) (span.toMillis() / every.toMillis()) + 1;
            boolean[] ok = new boolean[n];
            for (int i = 0; i < n; i++) {
                ok[i] = random.nextDouble() >= 0.05;
            }
            int outages = random.nextInt(4);
            for (int o = 0; o < outages; o++) {
                int from = random.nextInt(n);
                int length = (int) (random.nextDouble() * maxOutage.toMillis() / every.toMillis());
                for (int i = from; i < Math.min(n, from + length); i++) {
                    ok[i] = false;
                }
            }
            return new Scrapes(every, random.nextLong(every.toMillis()), ok, Duration.ofMillis((long) (random
                    .nextDouble() * 3 * every.toMillis())));
        }

        /** At least two successful scrapes in (at - range, at], none before {@code since}. */
        boolean hasData(Instant at, Duration range, Instant since) {
            long end = Duration.between(START, at).toMillis();
            long begin = Math.max(end - range.toMillis(), Duration.between(START, since.plus(discovery)).toMillis());
            int found = 0;
            for (long i = Math.max(0, (begin - phaseMillis) / every.toMillis()); i < ok.length; i++) {
                long t = phaseMillis + i * every.toMillis();
                if (t > end) {
                    break;
                }
                if (t > begin && ok[(int) i]) {
                    found++;
                }
            }
            return found >= 2;
        }
    }

    /** How a run ended and at which step. */
    record Outcome(Phase phase, int step, String message) {
    }

    /** Plays one release whose canary is ready at once at every step; a look with data passes unless bad. */
    static Outcome play(RolloutPolicy policy, Scrapes scrapes, boolean bad) {
        WorldView idle = new WorldView("new", null, "old", true, "10/10 pods ready", RouteStatus.reached(0, 0, 10,
                PODS));
        WorldView split = new WorldView("new", null, "old", true, "10/10 pods ready", RouteStatus.reached(10, 1, 10,
                PODS));
        CanaryStatus s = new CanaryStatus();
        s.setPhase(Phase.Ready);
        s.setStableRevision("old");
        s.setCanaryRevision("old");
        Instant now = START;
        s = MACHINE.next(1, policy, s, idle, null, now).status();
        for (int tick = 0; tick < 100_000; tick++) {
            if (s.getPhase() != Phase.Progressing) {
                return new Outcome(s.getPhase(), s.getStepIndex() == null ? -1 : s.getStepIndex(), s.getMessage());
            }
            CheckOutcome check = null;
            if (MACHINE.isCheckDue(policy, s, split, now)) {
                Instant since = Instant.parse(s.getStepReadyAt());
                CheckResult result = !scrapes.hasData(now, policy.window(), since)
                        ? CheckResult.NoData
                        : bad ? CheckResult.Fail : CheckResult.Pass;
                check = CheckOutcome.of(List.of(new MetricResult("success-rate", result == CheckResult.NoData
                        ? null
                        : 99.9, ">= 99", result, result == CheckResult.NoData ? "no samples" : null, "q",
                        now
                                .toString())));
            }
            Decision d = MACHINE.next(1, policy, s, split, check, now);
            s = d.status();
            Duration wait = d.requeueAfter() == null || d.requeueAfter().isZero()
                    ? Duration.ofMillis(100)
                    : d.requeueAfter();
            now = now.plus(wait);
        }
        throw new AssertionError("the run did not end: " + s.getMessage());
    }

    static List<Outcome> releases(RolloutPolicy policy, Duration scrape, boolean bad, long seed) {
        Random random = new Random(seed);
        List<Outcome> out = new ArrayList<>();
        Duration window = policy.withScrapeInterval(scrape).window();
        for (int i = 0; i < RELEASES; i++) {
            Scrapes scrapes = Scrapes.of(random, scrape, policy.interval().multipliedBy(400).plus(window.multipliedBy(
                    40)), window.multipliedBy(2));
            out.add(play(policy, scrapes, bad));
        }
        return out;
    }

    static long rolledBack(List<Outcome> outcomes) {
        return outcomes.stream().filter(o -> o.phase() == Phase.RolledBack).count();
    }

    /** The sequential judge's cadence: a look every 2 s, Prometheus scraping every second. */
    static final RolloutPolicy SHORT = new RolloutPolicy(List.of(1, 10, 50, 100), Duration.ofSeconds(2), Duration
            .ofMinutes(10), 0, 3, 3);
    /** A production cadence: a look every minute, Prometheus scraping every 30 s. */
    static final RolloutPolicy LONG = new RolloutPolicy(List.of(1, 10, 50, 100), Duration.ofMinutes(1), Duration
            .ofMinutes(10), 0, 3, 3);

    @Test
    void withWindowsOfFourScrapesNoHealthyReleaseIsRolledBackForScrapeGaps() {
        List<Outcome> shortCadence = releases(SHORT.withScrapeInterval(Duration.ofSeconds(1)), Duration.ofSeconds(1),
                false, 1);
        assertThat(rolledBack(shortCadence)).as("2 s looks over 1 s scrapes").isZero();
        assertThat(shortCadence).allMatch(o -> o.phase() == Phase.Promoting);
        List<Outcome> longCadence = releases(LONG.withScrapeInterval(Duration.ofSeconds(30)), Duration.ofSeconds(30),
                false, 2);
        assertThat(rolledBack(longCadence)).as("1 m looks over 30 s scrapes").isZero();
    }

    @Test
    void aRangeAsShortAsTheCadenceWouldHaveRolledManyBack() {
        // What the controller did before: the query's range was the interval, whatever the scrape interval. This
        // shows the model has gaps enough to matter: the same scrapes, ranges of one look. (103 and 94 of 1,000 were
        // rolled back before a step's first looks without any series were looked at again a scrape later; 25 and 88
        // since: that rule alone saves most short-cadence runs, not the long ones.)
        List<Outcome> shortCadence = releases(SHORT, Duration.ofSeconds(1), false, 1);
        List<Outcome> longCadence = releases(LONG, Duration.ofSeconds(30), false, 2);
        System.out.printf("range = interval: %d of %d healthy releases rolled back at 2 s / 1 s scrapes, %d at 1 m / "
                + "30 s scrapes%n", rolledBack(shortCadence), RELEASES, rolledBack(longCadence));
        assertThat(rolledBack(shortCadence)).isGreaterThan(RELEASES / 50);
        assertThat(rolledBack(longCadence)).isGreaterThan(RELEASES / 20);
    }

    @Test
    void badReleasesAreStillCaughtAtTheFirstStep() {
        for (var cadence : List.of(List.of(SHORT, Duration.ofSeconds(1)), List.of(LONG, Duration.ofSeconds(30)))) {
            RolloutPolicy policy = ((RolloutPolicy) cadence.get(0)).withScrapeInterval((Duration) cadence.get(1));
            List<Outcome> bad = releases(policy, (Duration) cadence.get(1), true, 3);
            assertThat(bad).as("every bad release rolled back at step 1, for its failed check").allSatisfy(o -> {
                assertThat(o.phase()).isEqualTo(Phase.RolledBack);
                assertThat(o.message()).contains("at step 1/4").contains("success-rate");
            });
        }
    }
}
