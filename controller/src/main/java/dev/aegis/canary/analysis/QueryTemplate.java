package dev.aegis.canary.analysis;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders a PromQL template: every {@code {{name}}} (or {@code {{args.name}}}) is replaced by its value, escaped for
 * where it stands. Inside a quoted PromQL string the value is escaped so it can never end the string; outside one
 * only names, numbers and durations are allowed. An unknown variable is an error, never an empty string. Pure code.
 */
public final class QueryTemplate {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([a-zA-Z_][a-zA-Z0-9_.]*)\\s*}}");
    private static final Pattern BARE_VALUE = Pattern.compile("[a-zA-Z0-9_:.]+");
    private static final String ARGS_PREFIX = "args.";

    private QueryTemplate() {
    }

    /** The variable names a template uses, without the {@code args.} prefix, in order of first use. */
    public static Set<String> variables(String template) {
        Set<String> names = new LinkedHashSet<>();
        Matcher m = PLACEHOLDER.matcher(template);
        while (m.find()) {
            names.add(bareName(m.group(1)));
        }
        return names;
    }

    /**
     * Renders the template.
     *
     * @throws TemplateException naming the variable when one is unknown or its value cannot stand where it is used
     */
    public static String render(String template, Map<String, String> values) {
        StringBuilder out = new StringBuilder(template.length() + 64);
        Matcher m = PLACEHOLDER.matcher(template);
        Context context = Context.CODE;
        int at = 0;
        while (m.find()) {
            context = scan(template, at, m.start(), context, out);
            if ((context == Context.DOUBLE_QUOTED || context == Context.SINGLE_QUOTED)
                    && endsWithUnpairedBackslash(template, at, m.start())) {
                // The template's backslash would escape the value's first character and let it end the string.
                throw new TemplateException("{{" + m.group(1) + "}} follows a backslash in a quoted string; "
                        + "a placeholder cannot be escaped");
            }
            String name = bareName(m.group(1));
            String value = values.get(name);
            if (value == null) {
                throw new TemplateException("unknown variable {{" + m.group(1) + "}}; known: "
                        + String.join(", ", new TreeSet<>(values.keySet())));
            }
            out.append(escape(name, value, context));
            at = m.end();
        }
        scan(template, at, template.length(), context, out);
        return out.toString();
    }

    /**
     * Replaces placeholders in plain text (an arg's default value), without escaping: the result is a value, and is
     * escaped where it is put into a query.
     *
     * @throws TemplateException naming a variable that is not there
     */
    public static String fill(String text, Map<String, String> values) {
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = values.get(bareName(m.group(1)));
            if (value == null) {
                throw new TemplateException("unknown variable {{" + m.group(1) + "}}; known: "
                        + String.join(", ", new TreeSet<>(values.keySet())));
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static boolean endsWithUnpairedBackslash(String text, int from, int to) {
        int backslashes = 0;
        for (int i = to - 1; i >= from && text.charAt(i) == '\\'; i--) {
            backslashes++;
        }
        return backslashes % 2 == 1;
    }

    private static String bareName(String name) {
        return name.startsWith(ARGS_PREFIX) ? name.substring(ARGS_PREFIX.length()) : name;
    }

    /** Where a placeholder stands in PromQL: plain code, a comment, or one of the three string forms. */
    private enum Context {
        CODE, COMMENT, DOUBLE_QUOTED, SINGLE_QUOTED, RAW
    }

    /** Copies template text and tracks the lexical context it ends in. */
    private static Context scan(String text, int from, int to, Context context, StringBuilder out) {
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            out.append(c);
            switch (context) {
                case CODE -> {
                    if (c == '"') {
                        context = Context.DOUBLE_QUOTED;
                    } else if (c == '\'') {
                        context = Context.SINGLE_QUOTED;
                    } else if (c == '`') {
                        context = Context.RAW;
                    } else if (c == '#') {
                        context = Context.COMMENT;
                    }
                }
                case COMMENT -> {
                    if (c == '\n') {
                        context = Context.CODE;
                    }
                }
                case DOUBLE_QUOTED, SINGLE_QUOTED -> {
                    if (c == '\\' && i + 1 < to) {
                        out.append(text.charAt(++i));
                    } else if (c == (context == Context.DOUBLE_QUOTED ? '"' : '\'')) {
                        context = Context.CODE;
                    }
                }
                case RAW -> {
                    if (c == '`') {
                        context = Context.CODE;
                    }
                }
            }
        }
        return context;
    }

    private static String escape(String name, String value, Context context) {
        switch (context) {
            case DOUBLE_QUOTED :
            case SINGLE_QUOTED :
                return escapeQuoted(value, context == Context.DOUBLE_QUOTED ? '"' : '\'');
            case RAW :
                if (value.indexOf('`') >= 0) {
                    throw new TemplateException("variable {{" + name
                            + "}} is used in a `raw` string and its value contains a backquote; use a \"quoted\" string");
                }
                return value;
            case COMMENT :
                return value.replace('\n', ' ').replace('\r', ' ');
            default :
                if (!BARE_VALUE.matcher(value).matches()) {
                    throw new TemplateException("variable {{" + name + "}} is used outside a quoted string, where only "
                            + "names, numbers and durations are allowed; its value '" + value
                            + "' is not one (put the placeholder inside \"...\")");
                }
                return value;
        }
    }

    /** Escapes a value for a PromQL (Go-syntax) quoted string. */
    public static String escapeQuoted(String value, char quote) {
        StringBuilder out = new StringBuilder(value.length() + 8);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c == quote) {
                        out.append('\\');
                    }
                    out.append(c);
                }
            }
        }
        return out.toString();
    }

    /** A template that cannot be rendered; the message names the variable. */
    public static final class TemplateException extends RuntimeException {

        public TemplateException(String message) {
            super(message);
        }
    }
}
