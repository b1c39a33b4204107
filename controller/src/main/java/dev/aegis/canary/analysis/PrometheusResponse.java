package dev.aegis.canary.analysis;

import java.io.IOException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.aegis.canary.analysis.QueryResult.FailureKind;

/** Reads a Prometheus HTTP API answer to an instant query into a {@link QueryResult}. Pure. */
public final class PrometheusResponse {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
    private static final int MAX_REASON = 300;

    private PrometheusResponse() {
    }

    /**
     * The global scrape_interval from an answer to /api/v1/status/config, or null when the answer holds none (a
     * Prometheus-compatible store without that API, a configuration that leaves it at its default of 1m is not
     * told apart: its YAML always states the value).
     */
    public static java.time.Duration scrapeInterval(String body) {
        try {
            JsonNode root = body == null ? null : JSON.readTree(body);
            if (root == null || !"success".equals(root.path("status").asText())) {
                return null;
            }
            JsonNode config = YAML.readTree(root
                    .path("data").path("yaml").asText(""));
            String value = config == null ? null : config.path("global").path("scrape_interval").asText(null);
            return value == null ? null : dev.aegis.canary.rollout.Durations.parse(value);
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    /** The values of an answer to /api/v1/label/NAME/values, or null when it is not one. */
    public static java.util.List<String> labelValues(String body) {
        try {
            JsonNode root = body == null ? null : JSON.readTree(body);
            if (root == null || !"success".equals(root.path("status").asText()) || !root.path("data").isArray()) {
                return null;
            }
            java.util.List<String> values = new java.util.ArrayList<>();
            root.path("data").forEach(v -> values.add(v.asText()));
            return values;
        } catch (IOException e) {
            return null;
        }
    }

    public static QueryResult parse(int httpStatus, String body) {
        JsonNode root;
        try {
            root = body == null || body.isBlank() ? null : JSON.readTree(body);
        } catch (IOException e) {
            root = null;
        }
        if (httpStatus < 200 || httpStatus > 299) {
            String detail = root != null && root.hasNonNull("error")
                    ? root.path("errorType").asText("error") + ": " + root.get("error").asText()
                    : truncate(body == null ? "" : body.strip());
            return new QueryResult.Failure(FailureKind.HTTP_STATUS, "HTTP " + httpStatus
                    + (detail.isEmpty() ? "" : ": " + truncate(detail)));
        }
        if (root == null || !"success".equals(root.path("status").asText())) {
            return new QueryResult.Failure(FailureKind.BAD_RESPONSE, "not a Prometheus API response: "
                    + truncate(body == null ? "" : body.strip()));
        }
        JsonNode data = root.path("data");
        String type = data.path("resultType").asText();
        JsonNode result = data.path("result");
        switch (type) {
            case "vector" -> {
                if (result.isEmpty()) {
                    return new QueryResult.NoSamples();
                }
                if (result.size() > 1) {
                    return new QueryResult.Failure(FailureKind.SEVERAL_SERIES, result.size()
                            + " series returned; a check needs one number (aggregate with sum() or avg())");
                }
                return sample(result.get(0).path("value"));
            }
            case "scalar" -> {
                return sample(result);
            }
            default -> {
                return new QueryResult.Failure(FailureKind.BAD_RESPONSE, "result type '" + type
                        + "'; a check needs an instant vector or a scalar");
            }
        }
    }

    private static QueryResult sample(JsonNode pair) {
        if (!pair.isArray() || pair.size() != 2) {
            return new QueryResult.Failure(FailureKind.BAD_RESPONSE, "a sample without a value");
        }
        String text = pair.get(1).asText();
        try {
            return new QueryResult.Sample(switch (text) {
                case "NaN" -> Double.NaN;
                case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                default -> Double.parseDouble(text);
            });
        } catch (NumberFormatException e) {
            return new QueryResult.Failure(FailureKind.BAD_RESPONSE, "sample value '" + truncate(text)
                    + "' is not a number");
        }
    }

    private static String truncate(String s) {
        return s.length() <= MAX_REASON ? s : s.substring(0, MAX_REASON) + "…";
    }
}
