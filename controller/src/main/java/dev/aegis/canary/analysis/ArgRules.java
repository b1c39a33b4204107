package dev.aegis.canary.analysis;

import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import dev.aegis.canary.api.AnalysisTemplateSpec.ArgAccepts;

/**
 * What a template arg accepts (its type, a list of values, a pattern), checked without Prometheus. Pure. The values
 * Prometheus has for a label are checked by {@link Analysis}, which asks it.
 */
public final class ArgRules {

    /** A PromQL duration: digits with a unit, one or more, e.g. 30s, 1m30s, 500ms. */
    private static final Pattern DURATION = Pattern.compile("([0-9]+(ms|s|m|h|d|w|y))+");
    private static final int NAMED = 12;

    private ArgRules() {
    }

    /**
     * Why the value is refused, in words that follow the value ("is not a number"), or null when it is accepted.
     */
    public static String refusal(ArgAccepts accepts, String value) {
        if (accepts == null) {
            return null;
        }
        if (accepts.getType() != null) {
            switch (accepts.getType()) {
                case number -> {
                    if (!isNumber(value)) {
                        return "is not a number; the arg takes a decimal such as 0.5 or 100";
                    }
                }
                case duration -> {
                    if (!DURATION.matcher(value).matches()) {
                        return "is not a duration; the arg takes a PromQL duration such as 30s, 5m or 1h";
                    }
                }
                case string -> {
                    // any text
                }
            }
        }
        if (accepts.getValues() != null && !accepts.getValues().isEmpty() && !accepts.getValues().contains(value)) {
            return "is not one of " + oneOf(accepts.getValues());
        }
        if (accepts.getPattern() != null) {
            try {
                if (!Pattern.compile(accepts.getPattern()).matcher(value).matches()) {
                    return "does not match the pattern " + accepts.getPattern();
                }
            } catch (PatternSyntaxException e) {
                return "cannot be checked: the template's accepts.pattern is not a regular expression ("
                        + e.getDescription() + ")";
            }
        }
        return null;
    }

    /** Why the value is not one of the label's values Prometheus has, or null when it is one of them. */
    public static String labelRefusal(String label, String series, List<String> known, String value) {
        if (known.contains(value)) {
            return null;
        }
        return "is not a value Prometheus has for label " + label + " of " + series + "; it has " + oneOf(known);
    }

    private static boolean isNumber(String value) {
        try {
            return Double.isFinite(Double.parseDouble(value)) && !value.strip().isEmpty()
                    && !value.endsWith("d") && !value.endsWith("f") && !value.endsWith("D") && !value.endsWith("F");
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String oneOf(List<String> values) {
        List<String> shown = values.size() > NAMED ? values.subList(0, NAMED) : values;
        return String.join(", ", shown) + (values.size() > NAMED ? ", ... (" + values.size() + " in all)" : "");
    }
}
