package dev.aegis.canary.it;

import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.utils.ResponseProvider;
import io.quarkus.test.kubernetes.client.KubernetesServer;

import dev.aegis.canary.workload.Labels;

/**
 * Another writer (a person, Flux, another controller) whose change lands on the test API server exactly between the
 * controller's read and its next write to one object: the controller's next PATCH of that path is held, the other
 * writer's patch is stored first, and then the controller's write is answered.
 *
 * <p>
 * The test server answers one request at a time on one event loop, so the other writer's patch cannot go over HTTP
 * from inside the answer; it goes straight to the server's own dispatcher (its CRUD store), as a request would.
 */
final class OtherWriter {

    private final KubernetesServer server;
    private final Dispatcher store;

    OtherWriter(KubernetesServer server) {
        this.server = server;
        this.store = dispatcher(server.getKubernetesMockServer());
    }

    /** The path of the controller's own patches of an object ({@code JsonPatch}): they name its field manager. */
    static String controllerPatch(String path) {
        return path + "?fieldManager=" + Labels.FIELD_MANAGER;
    }

    /** A write of the other writer: a patch of one path, in a patch type the test server stores. */
    record Patch(String path, PatchType type, String body) {

        static Patch merge(String path, Object body) {
            return new Patch(path, PatchType.JSON_MERGE, Serialization.asJson(body));
        }

        static Patch json(String path, String ops) {
            return new Patch(path, PatchType.JSON, ops);
        }
    }

    /** Counts the controller's writes that were held; a test asserts the fault happened before its outcome. */
    static final class Armed {

        private final AtomicInteger served = new AtomicInteger();
        private volatile int lastCode;

        boolean served() {
            return served.get() > 0;
        }

        /** The code the controller's write got: 409 when it was refused. */
        int code() {
            return lastCode;
        }
    }

    /**
     * The controller's next PATCH of {@code path}: {@code change} is stored first, then the controller's write is
     * refused with 409 Conflict, as the API server answers a write it cannot apply to the version written against.
     */
    Armed conflictOnNextPatch(String path, Patch change) {
        return onNextPatch(path, change, false);
    }

    /**
     * The controller's next PATCH of {@code path}: {@code change} is stored first, then the controller's write goes to
     * the store as the API server would take it: applied to the newer version, or refused with 409 when it names the
     * version it read (metadata.resourceVersion).
     */
    Armed changeBeforeNextPatch(String path, Patch change) {
        return onNextPatch(path, change, true);
    }

    private Armed onNextPatch(String path, Patch change, boolean forward) {
        Armed armed = new Armed();
        server.expect().patch().withPath(path).andReply(new ResponseProvider<Object>() {

            private Headers headers = Headers.builder().add("Content-Type", "application/json").build();
            private String body;

            @Override
            public int getStatusCode(RecordedRequest request) {
                MockResponse stored = dispatch(change);
                if (stored.code() >= 300) {
                    throw new IllegalStateException("the other writer's patch of " + change.path() + " was refused: "
                            + stored.code() + " " + stored.getBody().readUtf8());
                }
                int code;
                if (forward) {
                    MockResponse answer = store.dispatch(request);
                    code = answer.code();
                    body = answer.getBody() == null ? "" : answer.getBody().readUtf8();
                } else {
                    code = 409;
                    body = Serialization.asJson(new StatusBuilder().withStatus("Failure").withCode(409)
                            .withReason("Conflict").withMessage("Operation cannot be fulfilled on " + path
                                    + ": the object has been modified; please apply your changes to the latest "
                                    + "version and try again")
                            .build());
                }
                armed.lastCode = code;
                armed.served.incrementAndGet();
                return code;
            }

            @Override
            public Object getBody(RecordedRequest request) {
                return body;
            }

            @Override
            public Headers getHeaders() {
                return headers;
            }

            @Override
            public void setHeaders(Headers headers) {
                this.headers = headers;
            }
        }).once();
        return armed;
    }

    private MockResponse dispatch(Patch change) {
        Headers headers = Headers.builder().add("Content-Type", change.type().getContentType()).build();
        return store.dispatch(new RecordedRequest("HTTP/1.1", HttpMethod.PATCH, change.path(), headers,
                new Buffer(change.body().getBytes(StandardCharsets.UTF_8))));
    }

    /** The server's dispatcher: expectations first, then the CRUD store (no public accessor in fabric8 7.6). */
    private static Dispatcher dispatcher(KubernetesMockServer server) {
        try {
            Field field = KubernetesMockServer.class.getDeclaredField("dispatcher");
            field.setAccessible(true);
            return (Dispatcher) field.get(server);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("the test server's dispatcher is not reachable", e);
        }
    }
}
