package dev.aegis.canary.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.aegis.canary.analysis.QueryResult.FailureKind;

class PrometheusResponseTest {

    private static String vector(String... values) {
        StringBuilder series = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                series.append(',');
            }
            series.append("{\"metric\":{\"pod\":\"p").append(i).append("\"},\"value\":[1700000000.1,\"")
                    .append(values[i]).append("\"]}");
        }
        return "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[" + series + "]}}";
    }

    @Test
    void oneSeriesIsASample() {
        assertThat(PrometheusResponse.parse(200, vector("99.93"))).isEqualTo(new QueryResult.Sample(99.93));
        assertThat(PrometheusResponse.parse(200, vector("+Inf")))
                .isEqualTo(new QueryResult.Sample(Double.POSITIVE_INFINITY));
        assertThat(((QueryResult.Sample) PrometheusResponse.parse(200, vector("NaN"))).value()).isNaN();
    }

    @Test
    void aScalarIsASample() {
        assertThat(PrometheusResponse.parse(200,
                "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1700000000,\"42\"]}}"))
                .isEqualTo(new QueryResult.Sample(42));
    }

    @Test
    void noSeriesIsNoSamples() {
        assertThat(PrometheusResponse.parse(200, vector())).isInstanceOf(QueryResult.NoSamples.class);
    }

    @Test
    void severalSeriesAreAnError() {
        QueryResult r = PrometheusResponse.parse(200, vector("1", "2", "3"));
        assertThat(r).isInstanceOf(QueryResult.Failure.class);
        assertThat(((QueryResult.Failure) r).kind()).isEqualTo(FailureKind.SEVERAL_SERIES);
        assertThat(((QueryResult.Failure) r).reason()).startsWith("3 series returned");
    }

    @Test
    void httpErrorsCarryPrometheusOwnMessage() {
        QueryResult r = PrometheusResponse.parse(400,
                "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"1:5: parse error: unexpected }\"}");
        assertThat(r).isEqualTo(new QueryResult.Failure(FailureKind.HTTP_STATUS,
                "HTTP 400: bad_data: 1:5: parse error: unexpected }"));
        assertThat(PrometheusResponse.parse(503, "Service Unavailable"))
                .isEqualTo(new QueryResult.Failure(FailureKind.HTTP_STATUS, "HTTP 503: Service Unavailable"));
    }

    @Test
    void whatIsNotThePrometheusApiIsABadResponse() {
        assertThat(((QueryResult.Failure) PrometheusResponse.parse(200, "<html>login</html>")).kind())
                .isEqualTo(FailureKind.BAD_RESPONSE);
        assertThat(((QueryResult.Failure) PrometheusResponse.parse(200,
                "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}")).reason())
                .contains("matrix");
        assertThat(((QueryResult.Failure) PrometheusResponse.parse(200, vector("abc"))).reason())
                .contains("'abc' is not a number");
    }
}
