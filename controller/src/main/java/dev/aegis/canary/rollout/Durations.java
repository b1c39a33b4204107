package dev.aegis.canary.rollout;

import java.time.Duration;
import java.util.regex.Matcher;

/** Go-style durations ("1m", "30s", "1h30m", "500ms"), as Kubernetes users write them. */
public final class Durations {

    private static final java.util.regex.Pattern PART = java.util.regex.Pattern.compile("([0-9]+)(ms|s|m|h)");

    private Durations() {
    }

    /** Parses a duration; throws IllegalArgumentException with the allowed form when it is not one. */
    public static Duration parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("a duration is required, such as 30s, 1m or 1h30m");
        }
        Matcher m = PART.matcher(text);
        Duration total = Duration.ZERO;
        int at = 0;
        while (m.find() && m.start() == at) {
            long n;
            try {
                n = Long.parseLong(m.group(1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' is too large a duration");
            }
            try {
                total = total.plus(switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                });
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("'" + text + "' is too large a duration");
            }
            at = m.end();
        }
        if (at != text.length()) {
            throw new IllegalArgumentException(
                    "'" + text + "' is not a duration; use digits with ms, s, m or h, such as 30s, 1m or 1h30m");
        }
        return total;
    }

    /** Formats a duration the way Prometheus range selectors and people read it: 1m30s, 5s, 250ms. */
    public static String format(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        StringBuilder out = new StringBuilder();
        long hours = d.toHours();
        int minutes = d.toMinutesPart();
        int seconds = d.toSecondsPart();
        int millis = d.toMillisPart();
        if (hours > 0) {
            out.append(hours).append('h');
        }
        if (minutes > 0) {
            out.append(minutes).append('m');
        }
        if (seconds > 0) {
            out.append(seconds).append('s');
        }
        if (millis > 0) {
            out.append(millis).append("ms");
        }
        return out.toString();
    }
}
