package dev.aegis.canary.rollout;

import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;

import dev.aegis.canary.api.WorkloadKind;

/**
 * Which Canary a workload answers to when several name it: the one created first (then the first by name), so the
 * answer never changes while both exist and the one already at work keeps working. Pure code.
 */
public final class TargetClaims {

    /** One Canary's claim on its target. */
    public record Claim(String canary, Instant createdAt, WorkloadKind kind, String target) {

        boolean sameTarget(Claim other) {
            return kind == other.kind && target.equals(other.target);
        }
    }

    /** Oldest first; a claim without a creation time (not yet stored) comes last. */
    private static final Comparator<Claim> FIRST = Comparator
            .comparing(Claim::createdAt, Comparator.nullsLast(Comparator.naturalOrder()))
            .thenComparing(Claim::canary);

    private TargetClaims() {
    }

    /** The Canary that holds {@code mine}'s target instead of it, if another one does. */
    public static Optional<Claim> heldBy(Claim mine, Collection<Claim> claims) {
        return claims.stream()
                .filter(c -> c.sameTarget(mine))
                .min(FIRST)
                .filter(first -> !first.canary().equals(mine.canary()));
    }

    /** The message for the Canary that does not hold its target. */
    public static String problem(Claim mine, Claim holder) {
        return "spec.targetRef: " + mine.kind() + " '" + mine.target() + "' is already the target of Canary '"
                + holder.canary() + "' (created first); a workload can have one Canary: delete this one or point it "
                + "at another workload";
    }
}
