package dev.aegis.canary.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceRule;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceRuleBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

import dev.aegis.canary.reconcile.ApiAccess;

/**
 * A Kubernetes API for the demo, {@code simulate} and the tests that run controllers as processes: fabric8's mock
 * server in CRUD mode, in-process, on loopback, its store indexed ({@link IndexedCrudDispatcher}). It records who
 * made each request (the bearer token each client is given), so the controller's own requests can be told from the
 * simulation's, and answers a controller that asks what it may do (as the Operator SDK does before leader election)
 * with the Role of deploy/.
 */
public final class EmbeddedApiServer implements AutoCloseable {

    /** One request answered: who sent it (the bearer token), the verb and the path with its query. */
    public record Call(String who, String method, String path) {

        public boolean writes() {
            return !method.equals("GET");
        }
    }

    /** The CRDs of deploy/crds, which the build puts on the classpath under crds/. */
    static final List<String> CRDS = List.of("canaries", "analysistemplates", "clusteranalysistemplates",
            "notificationproviders");

    /** Where a client asks what it may do: answered with the Role of deploy/. */
    private static final String RULES_REVIEW = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews";

    private final KubernetesMockServer server;
    private final Queue<Call> calls;
    private final Map<String, LongAdder> counts;

    private EmbeddedApiServer(KubernetesMockServer server, Queue<Call> calls, Map<String, LongAdder> counts) {
        this.server = server;
        this.calls = calls;
        this.counts = counts;
    }

    /**
     * Starts it, with the controller's CRDs installed (not counted among the requests).
     *
     * @param keepCalls keep every request (tests that look at them); otherwise only how many each client made, so
     *     that a long demo does not grow with its requests
     */
    public static EmbeddedApiServer start(boolean keepCalls) {
        Queue<Call> calls = new ConcurrentLinkedQueue<>();
        Map<String, LongAdder> counts = new ConcurrentHashMap<>();
        AtomicBoolean setUp = new AtomicBoolean();
        String rights = Serialization.asJson(rulesReview());
        IndexedCrudDispatcher dispatcher = new IndexedCrudDispatcher() {

            @Override
            public MockResponse dispatch(RecordedRequest request) {
                if (setUp.get()) {
                    String auth = request.getHeader("Authorization");
                    String who = auth == null ? "" : auth.replaceFirst("^Bearer ", "");
                    counts.computeIfAbsent(who, w -> new LongAdder()).increment();
                    if (keepCalls) {
                        calls.add(new Call(who, request.getMethod(), request.getPath()));
                    }
                }
                if (request.getMethod().equals("POST") && request.getPath().equals(RULES_REVIEW)) {
                    return new MockResponse().setResponseCode(201).setBody(rights);
                }
                return super.dispatch(request);
            }
        };
        EmbeddedApiServer api = new EmbeddedApiServer(serve(dispatcher), calls, counts);
        try (KubernetesClient installer = api.client("installer", null)) {
            for (String crd : CRDS) {
                String resource = "/crds/" + crd + ".canary.aegis.dev-v1.yml";
                try (InputStream in = EmbeddedApiServer.class.getResourceAsStream(resource)) {
                    if (in == null) {
                        throw new IllegalStateException(resource + " is not on the classpath; build with ./mvnw "
                                + "package");
                    }
                    installer.resource(Serialization.unmarshal(in, CustomResourceDefinition.class)).create();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        setUp.set(true);
        return api;
    }

    /** fabric8's mock server on a free loopback port, answering with {@code dispatcher}. */
    static KubernetesMockServer serve(Dispatcher dispatcher) {
        KubernetesMockServer server = new KubernetesMockServer(
                new io.fabric8.mockwebserver.Context(Serialization.jsonMapper()), new MockWebServer(), new HashMap<>(),
                dispatcher, false);
        try {
            server.init(InetAddress.getByName("127.0.0.1"), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded Kubernetes API", e);
        }
        return server;
    }

    private static SelfSubjectRulesReview rulesReview() {
        List<ResourceRule> role = ApiAccess.NAMESPACE_RULES.stream().map(r -> new ResourceRuleBuilder()
                .withApiGroups(r.apiGroup()).withResources(r.resource()).withVerbs(List.copyOf(r.verbs())).build())
                .toList();
        return new SelfSubjectRulesReviewBuilder().withNewStatus().withResourceRules(role).withIncomplete(false)
                .endStatus().build();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getPort();
    }

    /** A client that authenticates as {@code who}. */
    public KubernetesClient client(String who, String namespace) {
        return new KubernetesClientBuilder().withConfig(new ConfigBuilder(Config.empty()).withMasterUrl(url())
                .withNamespace(namespace).withHttp2Disable(true).withOauthToken(who).build()).build();
    }

    /** The requests answered so far that match (none unless started to keep them). */
    public List<Call> calls(Predicate<Call> which) {
        return calls.stream().filter(which).toList();
    }

    /** How many requests {@code who} made so far. */
    public long count(String who) {
        LongAdder n = counts.get(who);
        return n == null ? 0 : n.sum();
    }

    @Override
    public void close() {
        server.destroy();
    }
}
