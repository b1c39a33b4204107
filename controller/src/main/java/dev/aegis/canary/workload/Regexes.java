package dev.aegis.canary.workload;

import java.util.Collection;
import java.util.stream.Collectors;

/** Builds the anchored RE2 regexes that query variables such as canaryPods hold. */
public final class Regexes {

    private static final String META = "\\.+*?()|[]{}^$";

    /** Matches nothing: what an empty set of names becomes, so a query never widens to every series. */
    public static final String NOTHING = "^$";

    private Regexes() {
    }

    /** Escapes every RE2 metacharacter. */
    public static String quote(String literal) {
        StringBuilder out = new StringBuilder(literal.length() + 4);
        for (int i = 0; i < literal.length(); i++) {
            char c = literal.charAt(i);
            if (META.indexOf(c) >= 0) {
                out.append('\\');
            }
            out.append(c);
        }
        return out.toString();
    }

    /** {@code ^(a|b|c)$} for exact names; {@link #NOTHING} for none. */
    public static String anyOf(Collection<String> names) {
        if (names.isEmpty()) {
            return NOTHING;
        }
        return names.stream().sorted().map(Regexes::quote).collect(Collectors.joining("|", "^(", ")$"));
    }
}
