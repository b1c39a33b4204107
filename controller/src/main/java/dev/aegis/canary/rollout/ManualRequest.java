package dev.aegis.canary.rollout;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What a person asked for with {@code kubectl annotate canary NAME canary.aegis.dev/request=ACTION}: the controller
 * acts once, records the outcome in {@code status.lastRequest} and an Event, and removes the annotation.
 *
 * @param action null when the annotation holds something that is not an action
 * @param raw the annotation's value as written
 * @param by who asked (the canary.aegis.dev/requested-by annotation), for Events and status
 * @param id the canary.aegis.dev/request-id annotation, or null
 */
public record ManualRequest(Action action, String raw, String by, String id) {

    public static final String ANNOTATION = "canary.aegis.dev/request";
    public static final String BY_ANNOTATION = "canary.aegis.dev/requested-by";
    /** Optional: tells two identical requests apart (the CLI writes one); recorded in status.lastRequest.id. */
    public static final String ID_ANNOTATION = "canary.aegis.dev/request-id";
    static final String SOMEONE = "someone (no " + BY_ANNOTATION + " annotation)";

    public enum Action {

        /** Hold: no step advances and no run starts; checks go on and a failing one still rolls back. */
        PAUSE,
        /** Lift a pause. */
        RESUME,
        /** Skip the remaining steps of the run in progress and promote now. */
        PROMOTE,
        /** Roll the run in progress back now. */
        ABORT,
        /** Run a rolled-back revision again, from the first step. */
        RETRY;

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }

        static String words() {
            return String.join(", ", Arrays.stream(values()).map(Action::word).toList());
        }
    }

    /** The request in a Canary's annotations, if there is one. */
    public static Optional<ManualRequest> from(Map<String, String> annotations) {
        if (annotations == null || annotations.get(ANNOTATION) == null) {
            return Optional.empty();
        }
        String raw = annotations.get(ANNOTATION);
        String by = annotations.get(BY_ANNOTATION);
        Action action = Arrays.stream(Action.values()).filter(a -> a.word().equals(raw.trim().toLowerCase(Locale.ROOT)))
                .findFirst().orElse(null);
        String id = annotations.get(ID_ANNOTATION);
        return Optional.of(new ManualRequest(action, raw, by == null || by.isBlank() ? SOMEONE : by.trim(),
                id == null || id.isBlank() ? null : id.trim()));
    }
}
