package dev.aegis.canary.demo;

import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesResponseComposer;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.crud.AttributeType;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

/**
 * fabric8's CRUD dispatcher with what it stores indexed by resource, namespace and name. The original looks at every
 * object it holds for each GET, PATCH and PUT (15,000 of them for every request with 1,000 Canaries, on its one
 * event-loop thread), where a real API server answers from an indexed cache; so a test of many Canaries measured the
 * mock. The answers are the same: an index only narrows the candidates, which are then matched as the scan matches
 * them, in the order the scan meets them. Lists with no match, watches and deletes are the original's.
 */
class IndexedCrudDispatcher extends KubernetesCrudDispatcher {

    private static final Logger LOG = Logger.getLogger(IndexedCrudDispatcher.class);
    /** A value that equals any other: the original's wildcard, which no hash lookup can find. */
    private static final String ANY = "*";
    private static final List<String> INDEXED = List.of(KubernetesAttributesExtractor.PLURAL,
            KubernetesAttributesExtractor.NAMESPACE, KubernetesAttributesExtractor.NAME);

    /** Taken outside the original's own lock, so that the index and the store change together. */
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    /** The keys of the store by each of their indexed attributes, in the store's order. */
    private final Map<Attribute, Set<AttributeSet>> index = new HashMap<>();
    private volatile long resourceVersion;
    private final ServerSideApply serverSideApply = new ServerSideApply();
    /** False once a stored key could not be told: from then on every request is the original's. */
    private volatile boolean indexed = true;

    /** Whether the index still serves requests (for the tests: it should always). */
    boolean indexing() {
        return indexed;
    }

    @Override
    public MockResponse handleCreate(RecordedRequest request) {
        return under(lock.writeLock(), () -> super.handleCreate(request));
    }

    @Override
    public MockResponse handleUpdate(RecordedRequest request) {
        return under(lock.writeLock(), () -> super.handleUpdate(request));
    }

    @Override
    public MockResponse handlePatch(RecordedRequest request) {
        return under(lock.writeLock(), () -> {
            if (!ServerSideApply.isApply(request)) {
                return super.handlePatch(request);
            }
            String path = request.getPath();
            Map.Entry<AttributeSet, String> stored = findResource(attributeExtractor.fromPath(
                    path.contains("?") ? path.substring(0, path.indexOf('?')) : path));
            Object rewritten = serverSideApply.rewrite(request, stored == null ? null : stored.getValue());
            return rewritten instanceof RecordedRequest merge
                    ? super.handlePatch(merge)
                    : (MockResponse) rewritten;
        });
    }

    @Override
    public MockResponse handleDelete(String path) {
        return under(lock.writeLock(), () -> super.handleDelete(path));
    }

    @Override
    public void reset() {
        under(lock.writeLock(), () -> {
            super.reset();
            index.clear();
            indexed = true;
            return null;
        });
    }

    @Override
    public MockResponse handleGet(String path) {
        return under(lock.readLock(), () -> {
            if (isWatch(path)) {
                return super.handleGet(path);
            }
            AttributeSet query = attributeExtractor.fromPath(path);
            List<String> items = find(query);
            if (items == null) {
                return super.handleGet(path);
            }
            MockResponse response = new MockResponse();
            if (query.containsKey(KubernetesAttributesExtractor.NAME)) {
                return items.isEmpty()
                        ? response.setResponseCode(HttpURLConnection.HTTP_NOT_FOUND)
                        : response.setResponseCode(HttpURLConnection.HTTP_OK).setBody(items.get(0));
            }
            if (items.isEmpty()) {
                return super.handleGet(path); // perhaps a discovery request, which the original answers
            }
            return response.setResponseCode(HttpURLConnection.HTTP_OK).setBody(
                    ((KubernetesResponseComposer) responseComposer).compose(items, Long.toString(resourceVersion)));
        });
    }

    /** Called by the handlers, which hold the write lock. */
    @Override
    public Map.Entry<AttributeSet, String> findResource(AttributeSet query) {
        Set<AttributeSet> candidates = candidates(query);
        return candidates == null
                ? super.findResource(query)
                : matching(candidates, query).findFirst().orElse(null);
    }

    @Override
    public long requestResourceVersion() {
        long version = super.requestResourceVersion();
        resourceVersion = version;
        return version;
    }

    /**
     * Every change to the store comes through here, under the write lock. The index follows the store even when the
     * original fails after changing it (telling a watch that has just closed, say).
     */
    @Override
    public void processEvent(String path, AttributeSet pathAttributes, AttributeSet oldAttributes,
            GenericKubernetesResource resource, String newState) {
        try {
            super.processEvent(path, pathAttributes, oldAttributes, resource, newState);
        } finally {
            reindex(path, pathAttributes, oldAttributes, resource, newState);
        }
    }

    private void reindex(String path, AttributeSet pathAttributes, AttributeSet oldAttributes,
            GenericKubernetesResource resource, String newState) {
        if (oldAttributes != null && !map.containsKey(oldAttributes)) {
            for (Attribute a : indexedAttributes(oldAttributes)) {
                Set<AttributeSet> keys = index.get(a);
                if (keys != null && keys.remove(oldAttributes) && keys.isEmpty()) {
                    index.remove(a);
                }
            }
        }
        if (newState != null && indexed) {
            // the key the original stored it under, worked out as it does
            KubernetesAttributesExtractor extractor = (KubernetesAttributesExtractor) attributeExtractor;
            AttributeSet key = resource != null ? extractor.extract(resource) : extractor.fromResource(newState);
            if (!key.containsKey(KubernetesAttributesExtractor.PLURAL)) {
                key = AttributeSet.merge(pathAttributes, key);
            }
            if (!newState.equals(map.get(key))) {
                indexed = false;
                LOG.warnf("the embedded API server cannot index %s any more: it answers from a scan", path);
                return;
            }
            for (Attribute a : indexedAttributes(key)) {
                Set<AttributeSet> keys = index.computeIfAbsent(a, x -> new LinkedHashSet<>());
                keys.remove(key); // put again: to the end, as in the store
                keys.add(key);
            }
        }
    }

    /** What the query matches, in the store's order; null when no index narrows it. */
    private List<String> find(AttributeSet query) {
        Set<AttributeSet> candidates = candidates(query);
        return candidates == null ? null : matching(candidates, query).map(Map.Entry::getValue).toList();
    }

    /** The stored objects among the candidates that the query matches, as the original's scan matches them. */
    private Stream<Map.Entry<AttributeSet, String>> matching(Set<AttributeSet> candidates, AttributeSet query) {
        return candidates.stream()
                .filter(key -> key.matches(query)).<Map.Entry<AttributeSet, String>>map(
                        key -> new AbstractMap.SimpleImmutableEntry<>(key, map.get(key)))
                .filter(e -> e.getValue() != null);
    }

    /** The fewest keys that could match: those with one of the query's equalities on an indexed attribute. */
    private Set<AttributeSet> candidates(AttributeSet query) {
        if (!indexed) {
            return null;
        }
        Set<AttributeSet> fewest = null;
        for (String name : INDEXED) {
            Attribute wanted = query.getAttribute(name);
            if (wanted != null && wanted.getType() == AttributeType.WITH
                    && wanted.getValues().stream().noneMatch(v -> ANY.equals(v.toString()))) {
                Set<AttributeSet> keys = index.getOrDefault(wanted, Set.of());
                if (fewest == null || keys.size() < fewest.size()) {
                    fewest = keys;
                }
            }
        }
        return fewest;
    }

    /** As the original tells a watch: by the query. */
    private static boolean isWatch(String path) {
        try {
            String query = new URI(path).getQuery();
            return query != null && query.contains("watch=true");
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static List<Attribute> indexedAttributes(AttributeSet key) {
        List<Attribute> found = new ArrayList<>(INDEXED.size());
        for (String name : INDEXED) {
            Attribute a = key.getAttribute(name);
            if (a != null) {
                found.add(a);
            }
        }
        return found;
    }

    private static <T> T under(Lock lock, Supplier<T> action) {
        lock.lock();
        try {
            return action.get();
        } finally {
            lock.unlock();
        }
    }
}
